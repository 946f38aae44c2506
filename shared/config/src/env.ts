import { parse as parseYamlScalar } from 'yaml';

/**
 * Environment overrides: `RESTACK_<PATH>` where path segments are separated
 * by a double underscore, e.g. `RESTACK_NATS__URL=nats://host:4222` sets
 * `nats.url`. Values are read as YAML scalars, so numbers and booleans work.
 * Variables without a double underscore (RESTACK_LOG_LEVEL...) are not config.
 */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): { config: Record<string, unknown>; applied: string[] } {
  const config = structuredClone(raw);
  const applied: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('RESTACK_') || value === undefined || !key.includes('__')) continue;
    const path = key.slice('RESTACK_'.length).split('__');
    setPath(config, path, scalar(value));
    applied.push(key);
  }
  return { config, applied };
}

function camelCase(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The existing key a segment names (`BUILD_ARGS` is `buildArgs`, `PY` is `PY`), else its camelCase. */
function keyFor(node: Record<string, unknown>, segment: string): string {
  const flat = (s: string) => s.toLowerCase().replace(/_/g, '');
  return Object.keys(node).find((k) => flat(k) === flat(segment)) ?? camelCase(segment);
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const segment of path.slice(0, -1)) {
    const key = keyFor(node, segment);
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path.at(-1);
  if (last !== undefined) node[keyFor(node, last)] = value;
}

/** A YAML scalar, except that text a number would change (`3.10`) stays text. */
function scalar(text: string): unknown {
  const value: unknown = parseYamlScalar(text);
  if (value === null || value === undefined) return text;
  if (typeof value === 'number' && String(value) !== text) return text;
  return value;
}
