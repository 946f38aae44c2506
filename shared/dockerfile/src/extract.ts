import { errorMessage } from '@restack/core';
import { clip } from './chars.js';
import { addReference, findStage, span, type Ctx, type StageState } from './context.js';
import { expandWord } from './lex.js';
import { scanDockerfile, type RawInstruction } from './scan.js';
import {
  declareGlobalArg,
  declareStageArg,
  globalLookup,
  setEnv,
  type StageVars,
} from './scope.js';
import { handleCopy, handleRun } from './sources.js';
import type { DockerfileExtract, ExtractOptions, Problem } from './types.js';
import { extractFlags, parseWords, splitFields } from './words.js';

/** Instructions BuildKit knows (parser.go dispatch table). */
const KNOWN = new Set([
  'add', 'arg', 'cmd', 'copy', 'entrypoint', 'env', 'expose', 'from', 'healthcheck', 'label',
  'maintainer', 'onbuild', 'run', 'shell', 'stopsignal', 'user', 'volume', 'workdir',
]); // prettier-ignore

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;
const NO_ARGS: ReadonlyMap<string, string> = new Map();

/**
 * Finds every image a Dockerfile depends on. Never throws: problems with the
 * file become `errors`, each with the line it was found on.
 */
export function extractDockerfile(text: string, options: ExtractOptions): DockerfileExtract {
  try {
    return run(text, options);
  } catch (e) {
    // A bug here must not take a service down (ARCHITECTURE.md invariant 7).
    return emptyExtract(options.file, [
      { line: null, message: `internal error while reading the Dockerfile: ${errorMessage(e)}` },
    ]);
  }
}

export function emptyExtract(file: string, errors: Problem[]): DockerfileExtract {
  return { file, references: [], stages: [], errors, notes: [], syntax: null, escape: '\\' };
}

function run(text: string, options: ExtractOptions): DockerfileExtract {
  const scan = scanDockerfile(text);
  const ctx: Ctx = {
    escape: scan.escape,
    buildArgs: toMap(options.buildArgs),
    file: options.file,
    global: new Map(),
    stages: [],
    references: [],
    errors: scan.problems,
    notes: [],
    byName: new Map(),
    atEnd: [],
  };
  for (const ins of scan.instructions) dispatch(ctx, ins);
  for (const check of ctx.atEnd) check();
  if (scan.instructions.length === 0) {
    ctx.errors.push({ line: null, message: 'the file has no instructions' });
  } else if (ctx.stages.length === 0) {
    ctx.errors.push({
      line: null,
      message: 'the file has no FROM instruction, so no stage to build',
    });
  }
  ctx.errors.sort(byLine);
  ctx.notes.sort(byLine);
  return {
    file: options.file,
    references: ctx.references,
    stages: ctx.stages.map((s) => ({
      index: s.index,
      name: s.name,
      line: s.line,
      base: s.base,
      baseKind: s.baseKind,
      baseStage: s.baseStage,
      platform: s.platform,
    })),
    errors: ctx.errors,
    notes: ctx.notes,
    syntax: scan.syntax,
    escape: scan.escape,
  };
}

function toMap(args: ExtractOptions['buildArgs']): ReadonlyMap<string, string> {
  if (args === undefined) return NO_ARGS;
  const keys = Object.keys(args);
  return keys.length === 0 ? NO_ARGS : new Map(keys.map((k) => [k, args[k] ?? '']));
}

function dispatch(ctx: Ctx, ins: RawInstruction): void {
  if (!KNOWN.has(ins.keyword)) {
    ctx.errors.push({
      line: ins.line,
      message: `unknown instruction: ${clip(ins.keywordText, 40)}`,
    });
    return;
  }
  if (ins.keyword === 'from') return handleFrom(ctx, ins);
  const stage = ctx.stages[ctx.stages.length - 1];
  if (stage === undefined) {
    if (ins.keyword === 'arg') return handleArg(ctx, ins, null);
    ctx.errors.push({
      line: ins.line,
      message: `${ins.keywordText.toUpperCase()} before the first FROM: no build stage in current context`,
    });
    return;
  }
  switch (ins.keyword) {
    case 'arg':
      return handleArg(ctx, ins, stage);
    case 'env':
      return handleEnv(ctx, ins, stage.vars);
    case 'copy':
    case 'add':
      return handleCopy(ctx, ins, stage);
    case 'run':
      return handleRun(ctx, ins, stage);
    case 'onbuild':
      return handleOnbuild(ctx, ins);
  }
}

function handleFrom(ctx: Ctx, ins: RawInstruction): void {
  const { flags, argsStart } = extractFlags(ins.text, ins.restStart, ins.restEnd);
  let platform: string | null = null;
  for (const flag of flags) {
    const message =
      flag.name !== 'platform'
        ? `unknown flag in FROM: --${clip(flag.name, 40)}`
        : flag.value === null
          ? 'missing a value on flag: --platform'
          : null;
    if (message !== null) ctx.errors.push({ line: ins.line, message });
    else platform = flag.value?.text || null;
  }
  const fields = splitFields(ins.text, argsStart, ins.restEnd);
  const [image, as, alias] = fields;
  let name: string | null = null;
  if (fields.length === 3 && as?.text.toLowerCase() === 'as' && alias !== undefined) {
    name = alias.text.toLowerCase();
    if (!STAGE_NAME.test(name)) {
      ctx.errors.push({
        line: ins.line,
        message: `invalid name for build stage: "${clip(alias.text)}", name can't start with a number or contain symbols`,
      });
      name = null;
    } else if (findStage(ctx, name) !== undefined) {
      ctx.notes.push({
        line: ins.line,
        message: `stage name "${name}" is used twice; later references go to this stage`,
      });
    }
  } else if (fields.length !== 1) {
    ctx.errors.push({
      line: ins.line,
      message: 'FROM requires either one or three arguments: FROM <image> [AS <name>]',
    });
  }
  const stage: StageState = {
    index: ctx.stages.length,
    name,
    line: ins.line,
    base: '',
    baseKind: 'unresolved',
    baseStage: null,
    platform,
    vars: new Map(),
  };
  if (image !== undefined) resolveBase(ctx, ins, stage, image);
  ctx.stages.push(stage);
  if (name !== null) ctx.byName.set(name, stage);
}

function resolveBase(
  ctx: Ctx,
  ins: RawInstruction,
  stage: StageState,
  image: { text: string; start: number },
): void {
  const where = span(ins, image.start, image.start + image.text.length);
  const exp = expandWord(image.text, ctx.escape, globalLookup(ctx.global, ctx));
  if (!exp.ok) {
    stage.base = where.raw;
    addReference(ctx, ins, stage, 'from', where, stage.platform, exp);
    return;
  }
  const parent = findStage(ctx, exp.value);
  if (parent !== undefined) {
    stage.base = parent.name ?? exp.value;
    stage.baseKind = 'stage';
    stage.baseStage = parent.index;
    for (const [k, v] of parent.vars) stage.vars.set(k, v);
    if (exp.value !== exp.value.toLowerCase()) {
      ctx.notes.push({
        line: where.line,
        message: `FROM ${clip(exp.value)} refers to stage "${parent.name}" only case-insensitively; BuildKit reads it as an image and fails (moby/buildkit#2003)`,
      });
    }
  } else if (exp.value === 'scratch') {
    stage.base = 'scratch';
    stage.baseKind = 'scratch';
  } else {
    stage.base = exp.value;
    stage.baseKind = 'image';
    addReference(ctx, ins, stage, 'from', where, stage.platform, exp);
  }
}

function handleArg(ctx: Ctx, ins: RawInstruction, stage: StageState | null): void {
  const { argsStart } = extractFlags(ins.text, ins.restStart, ins.restEnd);
  const words = parseWords(ins.text, argsStart, ins.restEnd, ctx.escape);
  if (words.length === 0)
    ctx.errors.push({ line: ins.line, message: 'ARG requires at least one argument' });
  for (const word of words) {
    const eq = word.text.indexOf('=');
    const name = eq === -1 ? word.text : word.text.slice(0, eq);
    const valueStart = word.start + eq + 1;
    const value = span(ins, eq === -1 ? word.start : valueStart, word.start + word.text.length);
    const origin = { name, line: value.line, range: value.range, global: stage === null };
    const raw = eq === -1 ? null : word.text.slice(eq + 1);
    if (stage === null) declareGlobalArg(ctx.global, name, raw, origin, ctx);
    else declareStageArg(stage.vars, ctx.global, name, raw, origin, ctx);
  }
}

/** ENV name=value ... or the legacy ENV name value (BuildKit's parseNameVal). */
function handleEnv(ctx: Ctx, ins: RawInstruction, vars: StageVars): void {
  const words = parseWords(ins.text, ins.restStart, ins.restEnd, ctx.escape);
  const first = words[0];
  if (first === undefined) return;
  if (!first.text.includes('=')) {
    const [, value] = splitFields(ins.text, ins.restStart, ins.restEnd);
    if (value === undefined) return;
    setEnv(vars, first.text, ins.text.slice(value.start, ins.restEnd), ctx);
    return;
  }
  for (const word of words) {
    const eq = word.text.indexOf('=');
    if (eq === -1) {
      ctx.errors.push({
        line: ins.line,
        message: `ENV ${clip(word.text)}: can't find =, must be name=value`,
      });
      continue;
    }
    setEnv(vars, word.text.slice(0, eq), word.text.slice(eq + 1), ctx);
  }
}

function handleOnbuild(ctx: Ctx, ins: RawInstruction): void {
  const trigger = ins.text.slice(ins.restStart, ins.restEnd);
  const keyword = (
    splitFields(trigger, 0, Math.min(trigger.length, 20))[0]?.text ?? ''
  ).toLowerCase();
  if (keyword === 'onbuild' || keyword === 'from' || keyword === 'maintainer') {
    ctx.errors.push({
      line: ins.line,
      message: `${keyword.toUpperCase()} isn't allowed as an ONBUILD trigger`,
    });
    return;
  }
  ctx.notes.push({
    line: ins.line,
    message: `ONBUILD ${clip(trigger, 120)}: runs only when another Dockerfile builds FROM this image, so it is not a dependency here`,
  });
}

function byLine(a: Problem, b: Problem): number {
  return (a.line ?? 0) - (b.line ?? 0);
}
