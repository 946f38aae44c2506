import { describeReference, type ReferenceReport } from '@restack/reference';
import { clip } from './chars.js';
import type { Expansion } from './lex.js';
import { lineAt, sourceAt, type RawInstruction } from './scan.js';
import type { GlobalVars, ScopeContext, StageVars } from './scope.js';
import type {
  BaseKind,
  DockerfileReference,
  Problem,
  ReferenceKind,
  SourceRange,
} from './types.js';

/** Mutable state of one extraction; the public objects are built from it. */
export interface StageState {
  readonly index: number;
  readonly name: string | null;
  readonly line: number;
  base: string;
  baseKind: BaseKind;
  baseStage: number | null;
  readonly platform: string | null;
  readonly vars: StageVars;
}

export interface Ctx extends ScopeContext {
  readonly file: string;
  readonly global: GlobalVars;
  readonly stages: StageState[];
  readonly references: DockerfileReference[];
  readonly errors: Problem[];
  readonly notes: Problem[];
  /** Stages defined so far by lower-case name; a later duplicate replaces an earlier one. */
  readonly byName: Map<string, StageState>;
  /** Checks that need every stage of the file, run after the last instruction. */
  readonly atEnd: Array<() => void>;
}

/** A stretch of an instruction's text, traced back to the file. */
export interface Span {
  readonly raw: string;
  readonly range: SourceRange;
  readonly line: number;
}

export function span(ins: RawInstruction, start: number, end: number): Span {
  const from = sourceAt(ins.segments, start);
  const to = end > start ? sourceAt(ins.segments, end - 1) + 1 : from;
  return {
    raw: ins.text.slice(start, end),
    range: { start: from, end: to },
    line: lineAt(ins.segments, start),
  };
}

/** Records an image reference (or an unresolved one) and its error if it is invalid. */
export function addReference(
  ctx: Ctx,
  ins: RawInstruction,
  stage: StageState,
  kind: ReferenceKind,
  where: Span,
  platform: string | null,
  exp: Expansion,
): void {
  const ref = exp.ok ? describe(exp.value) : null;
  ctx.references.push({
    file: ctx.file,
    line: where.line,
    instructionLine: ins.line,
    kind,
    stage: stage.index,
    stageName: stage.name,
    platform,
    raw: where.raw,
    range: where.range,
    resolved: exp.ok ? exp.value : null,
    ref,
    unresolved: !exp.ok,
    reason: exp.ok ? null : exp.reason,
    args: exp.ok ? exp.sources : [],
  });
  if (ref !== null && !ref.valid) {
    const shown = exp.ok && exp.value !== where.raw ? ` (from ${clip(where.raw)})` : '';
    ctx.errors.push({
      line: where.line,
      message: `invalid image reference "${clip(ref.input)}"${shown} in ${ins.keywordText.toUpperCase()}: ${ref.error ?? 'invalid'}`,
    });
  }
}

// Many Dockerfiles name the same few images; parse each text once per process.
const cache = new Map<string, ReferenceReport>();
const CACHE_LIMIT = 20_000;

function describe(text: string): ReferenceReport {
  let report = cache.get(text);
  if (report === undefined) {
    report = describeReference(text);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, report);
  }
  return { ...report };
}

/** The latest stage defined so far whose name matches, case-insensitively. */
export function findStage(ctx: Ctx, name: string): StageState | undefined {
  return ctx.byName.get(name.toLowerCase());
}
