import { isSpace, isSplitSpace } from './chars.js';

/**
 * Word splitters ported from BuildKit's parser (line_parsers.go and
 * split_command.go). Each keeps, for every character it returns, the index of
 * that character in the instruction text, so that a value can be traced back
 * to the exact place it was written.
 */

/**
 * Text with the instruction-text index of each of its characters: `at[i]`,
 * or `start + i` when the text was written without quotes or escapes.
 */
export interface Traced {
  readonly text: string;
  readonly start: number;
  readonly at: readonly number[] | null;
}

export function indexAt(t: Traced, i: number): number {
  return t.at === null ? t.start + i : (t.at[i] ?? t.start);
}

export function sliceTraced(t: Traced, from: number, to = t.text.length): Traced {
  return {
    text: t.text.slice(from, to),
    start: indexAt(t, from),
    at: t.at?.slice(from, to) ?? null,
  };
}

export interface FlagToken {
  /** The flag name without `--`, e.g. `from`. */
  readonly name: string;
  /** The value after `=`, with quotes and backslashes removed; null without `=`. */
  readonly value: Traced | null;
}

// A run of characters that are neither Go whitespace, quotes nor backslash.
const PLAIN = /[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"'\\]*/y;

/**
 * extractBuilderFlags: leading `--name=value` words, where quotes group and a
 * backslash (always backslash, whatever the escape directive) escapes.
 * Returns the flags and where the remaining arguments start.
 */
export function extractFlags(
  text: string,
  from: number,
  to: number,
): { flags: FlagToken[]; argsStart: number } {
  const flags: FlagToken[] = [];
  let pos = from;
  for (;;) {
    while (pos < to && isSpace(text.charCodeAt(pos))) pos++;
    if (pos + 1 >= to || text[pos] !== '-' || text[pos + 1] !== '-')
      return { flags, argsStart: pos };
    const start = pos;
    PLAIN.lastIndex = pos;
    PLAIN.test(text);
    const end = Math.min(PLAIN.lastIndex, to);
    let word: Traced;
    if (end >= to || isSpace(text.charCodeAt(end))) {
      // The common case: nothing quoted or escaped.
      word = { text: text.slice(start, end), start, at: null };
      pos = end;
    } else {
      [word, pos] = quotedWord(text, start, to);
    }
    if (word.text === '--') {
      while (pos < to && isSpace(text.charCodeAt(pos))) pos++;
      return { flags, argsStart: pos };
    }
    if (word.text.length > 0 || word.at !== null) flags.push(toFlag(word));
  }
}

function quotedWord(text: string, start: number, to: number): [Traced, number] {
  let word = '';
  const at: number[] = [];
  let quote = '';
  let pos = start;
  for (; pos < to; pos++) {
    let ch = text[pos] as string;
    if (quote === '') {
      if (isSpace(ch.charCodeAt(0))) break;
      if (ch === "'" || ch === '"') {
        quote = ch;
        continue;
      }
    } else if (ch === quote) {
      quote = '';
      continue;
    }
    if (ch === '\\') {
      if (pos + 1 === to) continue;
      pos++;
      ch = text[pos] as string;
    }
    word += ch;
    at.push(pos);
  }
  return [{ text: word, start, at }, pos];
}

function toFlag(word: Traced): FlagToken {
  const eq = word.text.indexOf('=');
  if (eq === -1) return { name: word.text.slice(2), value: null };
  return { name: word.text.slice(2, eq), value: sliceTraced(word, eq + 1) };
}

/** A raw word as BuildKit's parseWords keeps it: quotes and escapes left in place. */
export interface RawWord {
  readonly text: string;
  readonly start: number;
}

/** parseWords: whitespace-separated words; quotes group, the escape character escapes. */
export function parseWords(text: string, from: number, to: number, escape: string): RawWord[] {
  const words: RawWord[] = [];
  let pos = from;
  while (pos < to) {
    while (pos < to && isSpace(text.charCodeAt(pos))) pos++;
    if (pos >= to) break;
    const start = pos;
    let word = '';
    let quote = '';
    let blankOk = false;
    for (; pos < to; pos++) {
      let ch = text[pos] as string;
      if (quote === '') {
        if (isSpace(ch.charCodeAt(0))) break;
        if (ch === "'" || ch === '"') {
          quote = ch;
          blankOk = true;
        } else if (ch === escape) {
          if (pos + 1 === to) continue;
          word += ch;
          pos++;
          ch = text[pos] as string;
        }
      } else if (ch === quote) {
        quote = '';
      } else if (ch === escape && quote !== "'") {
        if (pos + 1 === to) {
          quote = '';
          continue;
        }
        word += ch;
        pos++;
        ch = text[pos] as string;
      }
      word += ch;
    }
    if (blankOk || word.length > 0) words.push({ text: word, start });
  }
  return words;
}

/** Fields split on BuildKit's reWhitespace, as FROM's arguments are. */
export function splitFields(text: string, from: number, to: number): RawWord[] {
  const fields: RawWord[] = [];
  let pos = from;
  while (pos < to) {
    while (pos < to && isSplitSpace(text.charCodeAt(pos))) pos++;
    if (pos >= to) break;
    const start = pos;
    while (pos < to && !isSplitSpace(text.charCodeAt(pos))) pos++;
    fields.push({ text: text.slice(start, pos), start });
  }
  return fields;
}

/** parseMaybeJSON: the exec form `["a", "b"]` (only strings). */
export function isJsonArray(args: string): boolean {
  if (!args.startsWith('[')) return false;
  try {
    const value: unknown = JSON.parse(args);
    return Array.isArray(value) && value.every((v) => typeof v === 'string');
  } catch {
    return false;
  }
}

/**
 * Splits a `--mount` value into comma-separated fields the way Go's
 * encoding/csv does (BuildKit uses go-csvvalue): a field may be wrapped in
 * double quotes, `""` inside quotes is one quote, a bare quote is an error.
 */
export function splitCsv(value: Traced): Traced[] | { error: string } {
  const fields: Traced[] = [];
  const s = value.text;
  if (!s.includes('"')) {
    for (let i = 0, j = s.indexOf(','); ; i = j + 1, j = s.indexOf(',', i)) {
      fields.push(sliceTraced(value, i, j === -1 ? s.length : j));
      if (j === -1) return fields;
    }
  }
  let i = 0;
  for (;;) {
    if (s[i] !== '"') {
      let j = i;
      while (j < s.length && s[j] !== ',') {
        if (s[j] === '"') return { error: 'bare " in non-quoted-field' };
        j++;
      }
      fields.push(sliceTraced(value, i, j));
      i = j;
    } else {
      let text = '';
      const at: number[] = [];
      i++;
      for (;;) {
        if (i >= s.length) return { error: 'extraneous or missing " in quoted-field' };
        if (s[i] === '"' && s[i + 1] === '"') {
          text += '"';
          at.push(indexAt(value, i));
          i += 2;
        } else if (s[i] === '"') {
          i++;
          if (i < s.length && s[i] !== ',')
            return { error: 'extraneous or missing " in quoted-field' };
          break;
        } else {
          text += s[i];
          at.push(indexAt(value, i));
          i++;
        }
      }
      fields.push({ text, start: at[0] ?? indexAt(value, i), at });
    }
    if (i >= s.length) return fields;
    i++; // the comma
  }
}
