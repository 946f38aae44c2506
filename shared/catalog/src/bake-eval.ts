import type { BakeProject, TargetBody } from './bake-file.js';
import { UNKNOWN, evaluateBake, type BakeLookup, type BakeValue } from './interpolate.js';
import { problem } from './problem.js';
import type { Problem } from './schema.js';

/** A target after its expressions are evaluated; undefined means "not set here". */
export interface Evaluated {
  context?: string;
  dockerfile?: string;
  inline: boolean;
  args: Map<string, string>;
  tags?: string[];
  target?: string;
  inherits: string[];
  /** Paths that could not be evaluated, so the Dockerfile is unknown. */
  broken: Set<'context' | 'dockerfile'>;
}

/** Variables resolve lazily, so defaults may use other variables; cycles are reported. */
export function variableLookup(project: BakeProject, problems: Problem[]): BakeLookup {
  const done = new Map<string, BakeValue | typeof UNKNOWN>();
  const active = new Set<string>();
  const lookup: BakeLookup = (name) => {
    if (done.has(name)) return done.get(name);
    if (!project.variables.has(name)) return undefined;
    const at = project.variableAt.get(name);
    const file = at?.file ?? '';
    if (active.has(name)) {
      problems.push(
        problem(
          'catalog.variable',
          file,
          at?.line ?? null,
          `variable ${name} depends on itself`,
          'give one of the variables in the cycle a literal default',
        ),
      );
      done.set(name, UNKNOWN);
      return UNKNOWN;
    }
    active.add(name);
    let failed = false;
    const value = toValue(project.variables.get(name), lookup, (reason, code) => {
      failed = true;
      if (code === null) return;
      problems.push(
        problem(
          code,
          file,
          at?.line ?? null,
          `variable ${name}: ${reason}`,
          'give the variable a literal default; restack does not read the environment',
        ),
      );
    });
    active.delete(name);
    // Uses of a variable that failed fail too, instead of reading as null.
    const result = failed ? UNKNOWN : value;
    if (done.get(name) !== UNKNOWN) done.set(name, result);
    return done.get(name);
  };
  return lookup;
}

/** Reports a failure; a null code means it was already reported where it started. */
type Fail = (reason: string, code: 'catalog.variable' | 'catalog.expression' | null) => void;

const CODES = {
  variable: 'catalog.variable',
  expression: 'catalog.expression',
  unknown: null,
} as const;

function toValue(raw: unknown, lookup: BakeLookup, fail: Fail): BakeValue {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  if (typeof raw === 'string') {
    const result = evaluateBake(raw, lookup);
    if (result.ok) return result.value;
    fail(result.reason, CODES[result.kind]);
    return null;
  }
  if (Array.isArray(raw)) {
    return raw.flatMap((item) => {
      const v = toValue(item, lookup, fail);
      return v === null ? [] : Array.isArray(v) ? v : [v];
    });
  }
  fail('an object cannot be used here', 'catalog.expression');
  return null;
}

export function evaluateBody(
  name: string,
  at: TargetBody,
  lookup: BakeLookup,
  problems: Problem[],
): Evaluated {
  const { body } = at;
  const out: Evaluated = {
    inline: body['dockerfile-inline'] !== undefined,
    args: new Map(),
    inherits: [],
    broken: new Set(),
  };
  const report =
    (field: string): Fail =>
    (reason, code) => {
      if (code === null) return;
      problems.push(
        problem(
          code,
          at.file,
          at.line,
          `target ${name}: ${field}: ${reason}`,
          'use literal values or variables with defaults; restack does not evaluate functions, other targets or the environment',
        ),
      );
    };
  const single = (field: 'context' | 'dockerfile' | 'target'): string | undefined => {
    const raw = body[field];
    if (raw === undefined) return undefined;
    let failed = false;
    const v = toValue(raw, lookup, (reason, code) => {
      failed = true;
      report(field)(reason, code);
    });
    if (typeof v === 'string' && !failed) return v;
    if (Array.isArray(v)) report(field)('a list cannot be used here', 'catalog.expression');
    // null is "not set", as in Bake; anything else unreadable hides the Dockerfile.
    if (field !== 'target' && (failed || Array.isArray(v))) out.broken.add(field);
    return undefined;
  };
  out.context = single('context');
  out.dockerfile = single('dockerfile');
  out.target = single('target');
  for (const [key, raw] of Object.entries(body.args ?? {})) {
    const v = toValue(raw, lookup, report(`args.${key}`));
    // A null argument is not set, as in Bake.
    if (typeof v === 'string') out.args.set(key, v);
  }
  if (body.tags !== undefined) out.tags = list(toValue(body.tags, lookup, report('tags')));
  if (body.inherits !== undefined)
    out.inherits = list(toValue(body.inherits, lookup, report('inherits')));
  return out;
}

function list(value: BakeValue): string[] {
  const items = value === null ? [] : Array.isArray(value) ? value : [value];
  return [...new Set(items.filter((s) => s !== ''))];
}

/** Bake's Target.Merge: later values win, args merge, tags are replaced, inherits append. */
export function merge(base: Evaluated, over: Evaluated): Evaluated {
  return {
    context: over.context ?? base.context,
    dockerfile: over.dockerfile ?? base.dockerfile,
    inline: over.inline || base.inline,
    args: new Map([...base.args, ...over.args]),
    tags: over.tags ?? base.tags,
    target: over.target ?? base.target,
    inherits: [...base.inherits, ...over.inherits],
    // A path set again by a later body is no longer broken.
    broken: new Set([...[...base.broken].filter((f) => over[f] === undefined), ...over.broken]),
  };
}

/** Applies `inherits` depth first, in order; unknown parents and cycles are reported. */
export function resolveInherits(
  project: BakeProject,
  evaluated: Map<string, Evaluated>,
  problems: Problem[],
): Map<string, Evaluated> {
  const resolved = new Map<string, Evaluated>();
  const reportedCycles = new Set<string>();
  const resolve = (name: string, stack: string[]): Evaluated | undefined => {
    const done = resolved.get(name);
    if (done) return done;
    const own = evaluated.get(name);
    if (!own) return undefined;
    const at = project.targets.get(name)![0]!;
    let acc: Evaluated = { inline: false, args: new Map(), inherits: [], broken: new Set() };
    for (const parent of own.inherits) {
      const cycleAt = [...stack, name].indexOf(parent);
      if (cycleAt >= 0) {
        const cycle = [...stack, name].slice(cycleAt);
        const key = [...cycle].sort().join('\0');
        if (!reportedCycles.has(key)) {
          reportedCycles.add(key);
          problems.push(
            problem(
              'catalog.inherits',
              at.file,
              at.line,
              `inherits cycle: ${[...cycle, parent].join(' -> ')}`,
              'remove one of the inherits so the chain ends',
            ),
          );
        }
        continue;
      }
      const p = resolve(parent, [...stack, name]);
      if (p) acc = merge(acc, p);
      else
        problems.push(
          problem(
            'catalog.inherits',
            at.file,
            at.line,
            `target ${name} inherits ${parent}, which is not defined`,
            missingParentFix(parent),
          ),
        );
    }
    const result = merge(acc, { ...own, inherits: [] });
    resolved.set(name, result);
    return result;
  };
  for (const name of project.targets.keys()) resolve(name, []);
  return resolved;
}

function missingParentFix(parent: string): string {
  // docker/metadata-action writes this target in CI; Bake itself needs it defined to run locally.
  if (parent === 'docker-metadata-action') {
    return 'define an empty target "docker-metadata-action" {} in the Bake file, as docker/metadata-action recommends';
  }
  return `define target "${parent}" or remove it from inherits`;
}
