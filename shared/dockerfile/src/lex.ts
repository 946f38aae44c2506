import { isNameChar, isNameDigit } from './chars.js';
import { addChar, addRaw, addString, finishWords, newWords, type Words } from './shell-words.js';
import type { ArgDefault } from './types.js';

/**
 * A port of BuildKit's shell lexer (frontend/dockerfile/shell/lex.go): quote
 * removal, escapes and `$VAR` / `${VAR...}` substitution. Unlike BuildKit it
 * knows when a value is not known statically (a platform ARG, an ARG without
 * a default) and then reports why instead of substituting an empty string.
 */

/** What a variable holds at some point of a Dockerfile. */
export type VarValue =
  | { readonly kind: 'known'; readonly value: string; readonly sources: readonly ArgDefault[] }
  /** Set, but only known at build time (e.g. TARGETARCH). */
  | { readonly kind: 'unknown'; readonly reason: string; readonly mayBeEmpty: boolean }
  | { readonly kind: 'unset'; readonly reason: string };

export type Lookup = (name: string) => VarValue;

export type Expansion =
  | { readonly ok: true; readonly value: string; readonly sources: readonly ArgDefault[] }
  | { readonly ok: false; readonly reason: string };

interface Options {
  readonly escape: string;
  readonly rawQuotes: boolean;
  rawEscapes: boolean;
  /** null: every variable is unset and kept as written (BuildKit's SkipUnsetEnv). */
  readonly lookup: Lookup | null;
}

interface Lexer extends Options {
  readonly s: string;
  i: number;
  depth: number;
  /** A syntax error stops everything, as it stops BuildKit. */
  error: string | null;
}

/** A processed piece; `fail` says why its value is not known (it may go unused). */
interface Piece {
  text: string;
  sources: ArgDefault[];
  fail: string | null;
}

const MAX_DEPTH = 64;
const MAX_VALUE = 65_536;

/** ProcessWordWithMatches: the value of one word with quotes and variables resolved. */
export function expandWord(word: string, escape: string, lookup: Lookup): Expansion {
  if (!/[$'"]/.test(word) && !word.includes(escape)) return { ok: true, value: word, sources: [] };
  const lx = lexer(word, { escape, rawQuotes: false, rawEscapes: false, lookup });
  const piece = stopOn(lx, null, false, null);
  if (lx.error !== null) return { ok: false, reason: lx.error };
  if (piece.fail !== null) return { ok: false, reason: piece.fail };
  return { ok: true, value: piece.text, sources: unique(piece.sources) };
}

/** ProcessWords with every variable unset and kept (used to find heredoc markers). */
export function splitShellWords(
  line: string,
  rawQuotes: boolean,
  rawEscapes: boolean,
): { words: string[] } | { error: string } {
  const lx = lexer(line, { escape: '\\', rawQuotes, rawEscapes, lookup: null });
  const words = newWords();
  stopOn(lx, null, rawEscapes, words);
  return lx.error !== null ? { error: lx.error } : { words: finishWords(words) };
}

function lexer(s: string, o: Options): Lexer {
  return {
    escape: o.escape,
    rawQuotes: o.rawQuotes,
    rawEscapes: o.rawEscapes,
    lookup: o.lookup,
    s,
    i: 0,
    depth: 0,
    error: null,
  };
}

// Like processStopOn, which swaps rawEscapes for the span of one call.
function stopOn(lx: Lexer, stop: string | null, rawEscapes: boolean, words: Words | null): Piece {
  const saved = lx.rawEscapes;
  lx.rawEscapes = rawEscapes;
  const out = stopOnInner(lx, stop, words);
  lx.rawEscapes = saved;
  return out;
}

function stopOnInner(lx: Lexer, stop: string | null, words: Words | null): Piece {
  const out: Piece = { text: '', sources: [], fail: null };
  const s = lx.s;
  while (lx.i < s.length && lx.error === null) {
    let ch = s[lx.i] as string;
    if (stop !== null && ch === stop) {
      lx.i++;
      return out;
    }
    if (ch === '$' || ch === "'" || ch === '"') {
      const p = ch === '$' ? dollar(lx) : ch === "'" ? singleQuote(lx) : doubleQuote(lx);
      append(out, p);
      if (words !== null) {
        if (ch === '$') addString(words, p.text);
        else addRaw(words, p.text);
      }
      continue;
    }
    lx.i++;
    if (ch === lx.escape) {
      if (lx.rawEscapes) {
        if (words !== null) addRaw(words, ch);
        out.text += ch;
      }
      if (lx.i >= s.length) break;
      ch = s[lx.i++] as string;
      if (words !== null) addRaw(words, ch);
    } else if (words !== null) addChar(words, ch);
    out.text += ch;
  }
  if (stop !== null && lx.error === null) {
    lx.error = `unexpected end of statement while looking for matching ${stop}`;
  }
  return out;
}

function singleQuote(lx: Lexer): Piece {
  const s = lx.s;
  lx.i++;
  let text = lx.rawQuotes ? "'" : '';
  for (;;) {
    if (lx.i >= s.length) {
      lx.error = 'unexpected end of statement while looking for matching single-quote';
      return { text: '', sources: [], fail: null };
    }
    const ch = s[lx.i++] as string;
    if (ch === "'") return { text: lx.rawQuotes ? `${text}'` : text, sources: [], fail: null };
    text += ch;
  }
}

function doubleQuote(lx: Lexer): Piece {
  const s = lx.s;
  lx.i++;
  const out: Piece = { text: lx.rawQuotes ? '"' : '', sources: [], fail: null };
  while (lx.error === null) {
    if (lx.i >= s.length) {
      lx.error = 'unexpected end of statement while looking for matching double-quote';
      break;
    }
    let ch = s[lx.i] as string;
    if (ch === '"') {
      lx.i++;
      if (lx.rawQuotes) out.text += '"';
      break;
    }
    if (ch === '$') {
      append(out, dollar(lx));
      continue;
    }
    lx.i++;
    if (ch === lx.escape) {
      if (lx.rawEscapes) out.text += ch;
      if (lx.i >= s.length) continue;
      const next = s[lx.i] as string;
      if (next === '"' || next === '$' || next === lx.escape) {
        ch = next;
        lx.i++;
      }
    }
    out.text += ch;
  }
  return out;
}

function dollar(lx: Lexer): Piece {
  const s = lx.s;
  const begin = lx.i;
  lx.i++;
  if (s[lx.i] !== '{') {
    const name = readName(lx);
    if (name === '') return { text: '$', sources: [], fail: null };
    return lx.lookup === null ? literal(`$${name}`) : plain(lx.lookup(name));
  }
  lx.i++;
  const first = s[lx.i];
  if (first === undefined) return syntax(lx, "syntax error: missing '}'");
  if (first === '{' || first === '}' || first === ':')
    return syntax(lx, 'syntax error: bad substitution');
  const name = readName(lx);
  const ch = s[lx.i++];
  if (ch === undefined) return syntax(lx, "syntax error: missing '}'");
  if (ch === '}') return lx.lookup === null ? literal(`\${${name}}`) : plain(lx.lookup(name));
  if (ch === '/') return pattern(lx, name, begin);
  let op: string | undefined = ch;
  let chs = ch;
  const nullIsUnset = ch === ':';
  if (nullIsUnset) {
    op = s[lx.i++];
    chs += op ?? '';
  }
  if (op !== '+' && op !== '-' && op !== '?' && op !== '#' && op !== '%' && !nullIsUnset) {
    return syntax(lx, `unsupported modifier (${chs}) in substitution`);
  }
  const word = nested(lx, '}', op === '#' || op === '%');
  if (lx.error !== null) return word;
  if (lx.lookup === null) return literal(`\${${name}${chs}${word.text}}`);
  const v = lx.lookup(name);
  const empty = v.kind === 'unset' || (nullIsUnset && v.kind === 'known' && v.value === '');
  switch (op) {
    case '-':
      return empty ? word : plain(v);
    case '+':
      if (empty) return literal('');
      if (v.kind === 'unknown' && nullIsUnset && v.mayBeEmpty) return failed(v.reason);
      return word;
    case '?':
      if (v.kind === 'unset') return failed(`${name} must be set (${s.slice(begin, lx.i)})`);
      return empty ? failed(`${name} must not be empty (${s.slice(begin, lx.i)})`) : plain(v);
    case '#':
    case '%':
      return failed(`unsupported substitution ${s.slice(begin, lx.i)}`);
    default:
      return syntax(lx, `unsupported modifier (${chs}) in substitution`);
  }
}

/** `${VAR/pattern/replacement}`: parsed so the text after it is right, never evaluated. */
function pattern(lx: Lexer, name: string, begin: number): Piece {
  if (lx.s[lx.i] === '/') lx.i++;
  const pat = nested(lx, '/', true);
  if (lx.error !== null) {
    if (lx.i >= lx.s.length) lx.error = "syntax error: missing '/' in ${}";
    return pat;
  }
  const repl = nested(lx, '}', true);
  if (lx.error !== null) return repl;
  if (lx.lookup === null) return literal(`\${${name}/${pat.text}/${repl.text}}`);
  return failed(`unsupported substitution ${lx.s.slice(begin, lx.i)}`);
}

function nested(lx: Lexer, stop: string, rawEscapes: boolean): Piece {
  if (++lx.depth > MAX_DEPTH) return syntax(lx, 'substitutions are nested too deeply');
  const word = stopOn(lx, stop, rawEscapes, null);
  lx.depth--;
  if (lx.error !== null && lx.i >= lx.s.length && stop === '}')
    lx.error = "syntax error: missing '}'";
  return word;
}

function readName(lx: Lexer): string {
  const s = lx.s;
  const start = lx.i;
  const first = s[start];
  if (first === undefined) return '';
  if (isNameDigit(first)) {
    while (lx.i < s.length && isNameDigit(s[lx.i] as string)) lx.i++;
    return s.slice(start, lx.i);
  }
  // Shell special parameters ($@, $#, ...): never set in a Dockerfile.
  if ('@*#?-$!'.includes(first)) {
    lx.i++;
    return first;
  }
  while (lx.i < s.length && isNameChar(s[lx.i] as string)) lx.i++;
  return s.slice(start, lx.i);
}

function plain(v: VarValue): Piece {
  if (v.kind === 'known') return { text: v.value, sources: [...v.sources], fail: null };
  return failed(v.reason);
}

function literal(text: string): Piece {
  return { text, sources: [], fail: null };
}

function failed(reason: string): Piece {
  return { text: '', sources: [], fail: reason };
}

function syntax(lx: Lexer, message: string): Piece {
  lx.error ??= message;
  return { text: '', sources: [], fail: null };
}

function append(out: Piece, p: Piece): void {
  // `ARG B=$A$A` chains double a value each time; no image name is this long.
  if (out.text.length + p.text.length > MAX_VALUE) {
    out.fail ??= `the value grows beyond ${MAX_VALUE} characters`;
    return;
  }
  out.text += p.text;
  if (p.sources.length > 0) out.sources.push(...p.sources);
  out.fail ??= p.fail;
}

function unique(sources: ArgDefault[]): ArgDefault[] {
  return sources.length < 2 ? sources : [...new Set(sources)];
}
