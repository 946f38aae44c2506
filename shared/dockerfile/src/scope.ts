import { expandWord, type Lookup, type VarValue } from './lex.js';
import type { ArgDefault } from './types.js';

/**
 * ARG and ENV scoping, as BuildKit applies it (dockerfile2llb: defaultArgs,
 * buildMetaArgs, dispatchArg):
 * - FROM lines see only ARGs declared before the first FROM, plus the
 *   automatic platform ARGs;
 * - a build argument replaces the default of an ARG that is declared, never
 *   creates one (except for the automatic ARGs, which always exist);
 * - inside a stage, `ARG NAME` without a default takes the value from before
 *   the first FROM, `ARG NAME=default` sets its own, ENV wins over ARG, and a
 *   stage built FROM another stage starts with that stage's variables.
 */

/** BuildKit's defaultArgs: set for every build, values known only at build time. */
export const AUTOMATIC_ARGS = [
  'BUILDPLATFORM',
  'BUILDOS',
  'BUILDOSVERSION',
  'BUILDARCH',
  'BUILDVARIANT',
  'TARGETPLATFORM',
  'TARGETOS',
  'TARGETOSVERSION',
  'TARGETARCH',
  'TARGETVARIANT',
  'TARGETSTAGE',
] as const;

const MAY_BE_EMPTY = new Set<string>([
  'BUILDOSVERSION',
  'BUILDVARIANT',
  'TARGETOSVERSION',
  'TARGETVARIANT',
  'TARGETSTAGE',
]);

export interface ScopeContext {
  readonly escape: string;
  readonly buildArgs: ReadonlyMap<string, string>;
}

export type GlobalVars = Map<string, VarValue>;

interface Binding {
  readonly value: VarValue;
  readonly fromEnv: boolean;
}
export type StageVars = Map<string, Binding>;

const AUTOMATIC = new Map<string, VarValue>(
  AUTOMATIC_ARGS.map((name) => [
    name,
    {
      kind: 'unknown',
      reason: `${name} is set by BuildKit for each build platform and has no fixed value`,
      mayBeEmpty: MAY_BE_EMPTY.has(name),
    },
  ]),
);

/** A variable before the first FROM: declared ARGs, then BuildKit's automatic ones. */
export function globalValue(
  vars: GlobalVars,
  name: string,
  ctx: ScopeContext,
): VarValue | undefined {
  const declared = vars.get(name);
  if (declared !== undefined) return declared;
  const automatic = AUTOMATIC.get(name);
  if (automatic === undefined) return undefined;
  const given = ctx.buildArgs.get(name);
  return given === undefined ? automatic : { kind: 'known', value: given, sources: [] };
}

export function globalLookup(vars: GlobalVars, ctx: ScopeContext): Lookup {
  return (name) =>
    globalValue(vars, name, ctx) ?? {
      kind: 'unset',
      reason: `${name} is not declared by an ARG before the first FROM`,
    };
}

export function stageLookup(vars: StageVars): Lookup {
  return (name) =>
    vars.get(name)?.value ?? {
      kind: 'unset',
      reason: `${name} is not declared by an ARG (or ENV) in this stage`,
    };
}

/** An ARG before the first FROM (buildMetaArgs). */
export function declareGlobalArg(
  vars: GlobalVars,
  name: string,
  rawDefault: string | null,
  origin: ArgDefault,
  ctx: ScopeContext,
): void {
  const given = ctx.buildArgs.get(name);
  if (given !== undefined) {
    vars.set(name, { kind: 'known', value: given, sources: [] });
  } else if (rawDefault !== null) {
    vars.set(name, defaultValue(rawDefault, origin, globalLookup(vars, ctx), ctx));
  } else if (globalValue(vars, name, ctx) === undefined) {
    vars.set(name, noValue(name, origin));
  }
}

/** An ARG inside a stage (dispatchArg). */
export function declareStageArg(
  vars: StageVars,
  global: GlobalVars,
  name: string,
  rawDefault: string | null,
  origin: ArgDefault,
  ctx: ScopeContext,
): void {
  // "Environment variables defined using ENV always override an ARG of the same name."
  if (vars.get(name)?.fromEnv) return;
  const given = ctx.buildArgs.get(name);
  let value: VarValue;
  if (given !== undefined) value = { kind: 'known', value: given, sources: [] };
  else if (rawDefault !== null) value = defaultValue(rawDefault, origin, stageLookup(vars), ctx);
  else value = globalValue(global, name, ctx) ?? noValue(name, origin);
  vars.set(name, { value, fromEnv: false });
}

export function setEnv(vars: StageVars, name: string, rawValue: string, ctx: ScopeContext): void {
  const exp = expandWord(rawValue, ctx.escape, stageLookup(vars));
  const value: VarValue = exp.ok
    ? { kind: 'known', value: exp.value, sources: exp.sources }
    : { kind: 'unknown', reason: exp.reason, mayBeEmpty: true };
  vars.set(name, { value, fromEnv: true });
}

function defaultValue(
  raw: string,
  origin: ArgDefault,
  lookup: Lookup,
  ctx: ScopeContext,
): VarValue {
  const exp = expandWord(raw, ctx.escape, lookup);
  if (!exp.ok) return { kind: 'unknown', reason: exp.reason, mayBeEmpty: true };
  return { kind: 'known', value: exp.value, sources: [origin, ...exp.sources] };
}

function noValue(name: string, origin: ArgDefault): VarValue {
  return {
    kind: 'unset',
    reason: `ARG ${name} (line ${origin.line}) has no default value; pass --build-arg ${name}=<value>`,
  };
}
