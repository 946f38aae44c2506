import { clip } from './chars.js';
import { addReference, findStage, span, type Ctx, type StageState } from './context.js';
import { expandWord } from './lex.js';
import type { RawInstruction } from './scan.js';
import { stageLookup } from './scope.js';
import {
  extractFlags,
  indexAt,
  sliceTraced,
  splitCsv,
  type FlagToken,
  type Traced,
} from './words.js';

/**
 * Images that COPY/ADD `--from=` and `RUN --mount=...,from=` pull in. BuildKit
 * resolves these in toCommand and detectRunMount (dockerfile2llb/convert.go):
 * a name is a stage when a stage has it (case-insensitively), `scratch` is
 * the empty image, anything else is an image. Only stages defined earlier in
 * the file count here (see README).
 */

export function handleCopy(ctx: Ctx, ins: RawInstruction, stage: StageState): void {
  const { flags } = extractFlags(ins.text, ins.restStart, ins.restEnd);
  const from = single(ctx, ins, flags, 'from');
  if (from === null || from.text === '') return; // `--from=` is no --from at all
  if (ins.keyword === 'add') {
    ctx.notes.push({
      line: ins.line,
      message: 'ADD --from is not a BuildKit flag (only COPY has it): the build fails on this line',
    });
  }
  source(ctx, ins, stage, 'copy', from);
}

export function handleRun(ctx: Ctx, ins: RawInstruction, stage: StageState): void {
  const { flags } = extractFlags(ins.text, ins.restStart, ins.restEnd);
  for (const flag of flags) {
    if (flag.name !== 'mount') continue;
    if (flag.value === null) {
      ctx.errors.push({ line: ins.line, message: 'missing a value on flag: --mount' });
      continue;
    }
    const from = mountFrom(ctx, ins, flag.value);
    if (from !== null) source(ctx, ins, stage, 'mount', from);
  }
}

/** The `from=` field of a `--mount` value (BuildKit's parseMount), unless it is a tmpfs. */
function mountFrom(ctx: Ctx, ins: RawInstruction, value: Traced): Traced | null {
  const fields = splitCsv(value);
  if ('error' in fields) {
    ctx.errors.push({
      line: ins.line,
      message: `invalid --mount value "${clip(value.text)}": ${fields.error}`,
    });
    return null;
  }
  let type = 'bind';
  let from: Traced | null = null;
  for (const field of fields) {
    const eq = field.text.indexOf('=');
    const key = (eq === -1 ? field.text : field.text.slice(0, eq)).toLowerCase();
    if (eq === -1) {
      if (!['readonly', 'ro', 'readwrite', 'rw', 'required'].includes(key)) {
        ctx.errors.push({
          line: ins.line,
          message: `invalid --mount field '${clip(field.text)}': it must be a key=value pair`,
        });
      }
      continue;
    }
    if (key === 'type') type = field.text.slice(eq + 1).toLowerCase();
    if (key === 'from') from = sliceTraced(field, eq + 1);
  }
  // detectRunMount skips tmpfs mounts and treats an empty from as none.
  if (from === null || from.text === '' || type === 'tmpfs') return null;
  return from;
}

function single(ctx: Ctx, ins: RawInstruction, flags: FlagToken[], name: string): Traced | null {
  let found: Traced | null = null;
  for (const flag of flags) {
    if (flag.name !== name) continue;
    if (flag.value === null) {
      ctx.errors.push({ line: ins.line, message: `missing a value on flag: --${name}` });
    } else if (found !== null) {
      ctx.errors.push({ line: ins.line, message: `duplicate flag specified: --${name}` });
    } else found = flag.value;
  }
  return found;
}

function source(
  ctx: Ctx,
  ins: RawInstruction,
  stage: StageState,
  kind: 'copy' | 'mount',
  value: Traced,
): void {
  const where = span(ins, indexAt(value, 0), indexAt(value, value.text.length - 1) + 1);
  const label = kind === 'copy' ? '--from' : '--mount from';
  const exp = expandWord(value.text, ctx.escape, stageLookup(stage.vars));
  if (value.text.includes('$')) {
    ctx.notes.push({
      line: where.line,
      message: `BuildKit does not expand variables in ${label} (the build fails: define a stage "FROM ${clip(where.raw)} AS ..." instead); resolved here with this stage's ARG values, as Podman/Buildah do`,
    });
  }
  if (!exp.ok) {
    addReference(ctx, ins, stage, kind, where, null, exp);
    return;
  }
  const name = exp.value;
  if (kind === 'copy' && /^[+-]?\d+$/.test(name)) {
    ctx.atEnd.push(() => stageIndex(ctx, ins, stage, Number.parseInt(name, 10)));
    return;
  }
  if (stage.name !== null && name.toLowerCase() === stage.name) {
    ctx.errors.push({
      line: where.line,
      message: `${label}=${clip(name)} refers to the stage it is in (circular dependency)`,
    });
    return;
  }
  if (findStage(ctx, name) !== undefined || name === 'scratch') return;
  ctx.atEnd.push(() => {
    const later = findStage(ctx, name);
    if (later === undefined) return;
    ctx.notes.push({
      line: where.line,
      message: `${label}=${clip(name)} names a stage defined later (line ${later.line}); only earlier stages count, so it is read as an image`,
    });
  });
  if (kind === 'mount' && /^\d+$/.test(name)) {
    ctx.notes.push({
      line: where.line,
      message: `--mount from=${name} is an image name for BuildKit, not a stage index (only COPY --from takes an index)`,
    });
  }
  addReference(ctx, ins, stage, kind, where, null, exp);
}

/** COPY --from=<n>: BuildKit's findStateByIndex. */
function stageIndex(ctx: Ctx, ins: RawInstruction, stage: StageState, index: number): void {
  if (index < 0 || index >= ctx.stages.length) {
    ctx.errors.push({ line: ins.line, message: `invalid stage index ${index} in COPY --from` });
  } else if (index === stage.index) {
    ctx.errors.push({ line: ins.line, message: `COPY --from=${index} copies from its own stage` });
  } else if (index > stage.index) {
    ctx.notes.push({
      line: ins.line,
      message: `COPY --from=${index} refers to a later stage; BuildKit accepts it, the classic builder does not`,
    });
  }
}
