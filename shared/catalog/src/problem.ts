import { RestackError } from '@restack/core';
import type { Problem, ProblemCode } from './schema.js';

export function problem(
  code: ProblemCode,
  file: string,
  line: number | null,
  message: string,
  fix: string,
): Problem {
  return { code, file, line, message, fix };
}

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The first line of an error message, without a trailing position the problem already carries. */
export function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).trim();
}

/** Sorts problems by file, then line, keeping the order of equal ones. */
export function sortProblems(problems: Problem[]): Problem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort(
      (a, b) => compareText(a.p.file, b.p.file) || (a.p.line ?? 0) - (b.p.line ?? 0) || a.i - b.i,
    )
    .map(({ p }) => p);
}

/** Code-unit order, the same on every machine and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The problem as a RestackError, for callers that print errors the usual way. */
export function toRestackError(p: Problem): RestackError {
  return new RestackError(p.code, p.message, {
    where: p.line === null ? p.file : `${p.file}:${p.line}`,
    fix: p.fix,
  });
}
