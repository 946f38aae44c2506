import { clip, isSpace, isSplitSpace } from './chars.js';
import { findHeredocs } from './heredoc.js';
import { extractFlags, isJsonArray } from './words.js';
import type { Problem } from './types.js';

/**
 * Splits a Dockerfile into instructions exactly as BuildKit's parser does
 * (frontend/dockerfile/parser/parser.go): lines end at `\n` only, parser
 * directives are read until the first line that is not one, comment lines
 * and empty lines inside a continuation are dropped, and heredoc bodies are
 * consumed after the instruction that opens them. Positions are kept so that
 * every character of an instruction maps back to the original text.
 */

/** A piece of an instruction's text that comes from one physical line. */
export interface Segment {
  /** Index in the instruction text where this piece starts. */
  readonly at: number;
  /** Offset of the same character in the original file text. */
  readonly source: number;
  /** 1-based line of the piece. */
  readonly line: number;
}

export interface RawInstruction {
  /** The keyword in lower case (`from`, `copy`, ...). */
  readonly keyword: string;
  /** The keyword as written. */
  readonly keywordText: string;
  /** 1-based line of the keyword. */
  readonly line: number;
  /** The instruction with continuations joined, as BuildKit sees it. */
  readonly text: string;
  readonly segments: readonly Segment[];
  /** Where the arguments (flags included) start and end in `text`. */
  readonly restStart: number;
  readonly restEnd: number;
}

export type EscapeChar = '\\' | '`';

export interface ScanResult {
  readonly instructions: RawInstruction[];
  readonly escape: EscapeChar;
  readonly syntax: string | null;
  readonly problems: Problem[];
}

const KNOWN_DIRECTIVES = new Set(['escape', 'syntax', 'check']);

/**
 * BuildKit's reDirectives `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` (Go's \s is
 * ASCII), matched by hand: the lazy regex backtracks quadratically on long lines.
 */
function parseDirective(text: string, start: number, end: number): [string, string] | null {
  const ws = (i: number): boolean => {
    const c = text.charCodeAt(i);
    return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
  };
  let i = start;
  if (text.charCodeAt(i) !== 0x23) return null;
  i++;
  while (i < end && ws(i)) i++;
  const nameStart = i;
  const alpha = (c: number): boolean => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
  if (i >= end || !alpha(text.charCodeAt(i))) return null;
  while (
    i < end &&
    (alpha(text.charCodeAt(i)) || ((text[i] as string) >= '0' && (text[i] as string) <= '9'))
  )
    i++;
  const name = text.slice(nameStart, i);
  while (i < end && ws(i)) i++;
  if (text.charCodeAt(i) !== 0x3d /* = */ || i >= end) return null;
  i++;
  while (i < end && ws(i)) i++;
  let j = end;
  while (j > i && ws(j - 1)) j--;
  return j > i ? [name, text.slice(i, j)] : null;
}

interface Cursor {
  readonly text: string;
  pos: number;
  line: number;
}

/** Reads the next physical line; returns its content bounds without the trailing `\r`s. */
function nextLine(c: Cursor): [number, number] | null {
  if (c.pos >= c.text.length) return null;
  const start = c.pos;
  const nl = c.text.indexOf('\n', start);
  let end = nl === -1 ? c.text.length : nl;
  c.pos = nl === -1 ? c.text.length : nl + 1;
  c.line++;
  while (end > start && c.text.charCodeAt(end - 1) === 0x0d) end--;
  return [start, end];
}

/** BuildKit's line continuation regex `([^E])E[ \t]*$|^E[ \t]*$`: returns the content end, or -1. */
function continuationEnd(text: string, start: number, end: number, escape: number): number {
  let j = end;
  while (j > start && (text.charCodeAt(j - 1) === 0x20 || text.charCodeAt(j - 1) === 0x09)) j--;
  if (j === start || text.charCodeAt(j - 1) !== escape) return -1;
  if (j - 1 === start) return start;
  return text.charCodeAt(j - 2) === escape ? -1 : j - 1;
}

export function scanDockerfile(text: string): ScanResult {
  const c: Cursor = { text, pos: 0, line: 0 };
  const problems: Problem[] = [];
  const instructions: RawInstruction[] = [];
  let escape: EscapeChar = '\\';
  let syntax: string | null = null;
  let directivesDone = false;
  const seen = new Set<string>();

  for (let bounds = nextLine(c); bounds !== null; bounds = nextLine(c)) {
    let [start] = bounds;
    const end = bounds[1];
    if (c.line === 1 && text.charCodeAt(0) === 0xfeff) start++;
    while (start < end && isSpace(text.charCodeAt(start))) start++;

    if (!directivesDone) {
      const m = parseDirective(text, start, end);
      const key = m?.[0].toLowerCase();
      if (m === null || key === undefined || !KNOWN_DIRECTIVES.has(key)) {
        directivesDone = true;
      } else if (seen.has(key)) {
        problems.push({ line: c.line, message: `only one ${key} parser directive can be used` });
      } else {
        seen.add(key);
        const value = m[1];
        if (key === 'syntax') syntax = value;
        if (key === 'escape') {
          if (value === '\\' || value === '`') escape = value;
          else
            problems.push({
              line: c.line,
              message: `invalid escape token '${clip(value)}' does not match \` or \\`,
            });
        }
      }
    }

    if (start === end || text.charCodeAt(start) === 0x23 /* # */) continue;

    const esc = escape.charCodeAt(0);
    const startLine = c.line;
    const segments: Segment[] = [];
    let joined = '';
    let contEnd = continuationEnd(text, start, end, esc);
    segments.push({ at: 0, source: start, line: c.line });
    joined += text.slice(start, contEnd === -1 ? end : contEnd);

    while (contEnd !== -1) {
      const next = nextLine(c);
      if (next === null) break;
      const [s, e] = next;
      let k = s;
      while (k < e && isSpace(text.charCodeAt(k))) k++;
      // Comment lines and blank lines inside a continuation are skipped.
      if (k === e || text.charCodeAt(k) === 0x23) continue;
      contEnd = continuationEnd(text, s, e, esc);
      segments.push({ at: joined.length, source: s, line: c.line });
      joined += text.slice(s, contEnd === -1 ? e : contEnd);
    }

    const instruction = makeInstruction(joined, segments);
    if (instruction === null) continue;
    instructions.push(instruction);
    consumeHeredocs(c, instruction, startLine, problems);
  }
  return { instructions, escape, syntax, problems };
}

function makeInstruction(text: string, segments: Segment[]): RawInstruction | null {
  let a = 0;
  let b = text.length;
  while (a < b && isSpace(text.charCodeAt(a))) a++;
  while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
  if (a === b) return null;
  let k = a;
  while (k < b && !isSplitSpace(text.charCodeAt(k))) k++;
  let rest = k;
  while (rest < b && isSplitSpace(text.charCodeAt(rest))) rest++;
  const keywordText = text.slice(a, k);
  return {
    keyword: keywordText.toLowerCase(),
    keywordText,
    line: lineAt(segments, a),
    text,
    segments,
    restStart: rest,
    restEnd: b,
  };
}

const HEREDOC_KEYWORDS = new Set(['run', 'copy', 'add']);

/** BuildKit's canContainHeredoc: RUN, COPY and ADD (also under ONBUILD), not in JSON form. */
function heredocArgsStart(ins: RawInstruction): number {
  let keyword = ins.keyword;
  let restStart = ins.restStart;
  if (keyword === 'onbuild') {
    const trigger = extractFlags(ins.text, ins.restStart, ins.restEnd).argsStart;
    let k = trigger;
    while (k < ins.restEnd && !isSplitSpace(ins.text.charCodeAt(k))) k++;
    keyword = ins.text.slice(trigger, k).toLowerCase();
    while (k < ins.restEnd && isSplitSpace(ins.text.charCodeAt(k))) k++;
    restStart = k;
  }
  if (!HEREDOC_KEYWORDS.has(keyword)) return -1;
  const argsStart = extractFlags(ins.text, restStart, ins.restEnd).argsStart;
  return isJsonArray(ins.text.slice(argsStart, ins.restEnd)) ? -1 : argsStart;
}

function consumeHeredocs(
  c: Cursor,
  ins: RawInstruction,
  startLine: number,
  problems: Problem[],
): void {
  if (!ins.text.includes('<<') || heredocArgsStart(ins) === -1) return;
  const found = findHeredocs(ins.text);
  if ('error' in found) {
    problems.push({ line: ins.line, message: found.error });
    return;
  }
  for (const heredoc of found.heredocs) {
    let terminated = false;
    for (let bounds = nextLine(c); bounds !== null; bounds = nextLine(c)) {
      let [s] = bounds;
      const e = bounds[1];
      if (heredoc.chomp) while (s < e && c.text.charCodeAt(s) === 0x09) s++;
      if (e - s === heredoc.name.length && c.text.startsWith(heredoc.name, s)) {
        terminated = true;
        break;
      }
    }
    if (!terminated) {
      problems.push({
        line: startLine,
        message: `unterminated heredoc: no line "${clip(heredoc.name)}" closes the heredoc opened here`,
      });
      return;
    }
  }
}

/** The 1-based line of the character at `at` in an instruction's text. */
export function lineAt(segments: readonly Segment[], at: number): number {
  return segmentAt(segments, at)?.line ?? 1;
}

/** The offset in the original text of the character at `at` in an instruction's text. */
export function sourceAt(segments: readonly Segment[], at: number): number {
  const seg = segmentAt(segments, at);
  return seg === undefined ? at : seg.source + (at - seg.at);
}

function segmentAt(segments: readonly Segment[], at: number): Segment | undefined {
  // Binary search: an instruction may span thousands of continuation lines.
  let lo = 0;
  let hi = segments.length - 1;
  let found: Segment | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const seg = segments[mid] as Segment;
    if (seg.at <= at) {
      found = seg;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
