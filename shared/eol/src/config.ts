import { RestackError } from '@restack/core';
import { lifecycleConfigSchema, type LifecycleConfig } from './schema.js';

/** The `lifecycle:` section when restack.yaml has none. */
export function defaultLifecycleConfig(): LifecycleConfig {
  return lifecycleConfigSchema.parse({});
}

/**
 * Validates a `lifecycle:` section; every problem is named by its field path
 * (`lifecycle.deprecations.0.match`). `undefined` gives the defaults.
 */
export function parseLifecycleConfig(input: unknown, where = 'lifecycle'): LifecycleConfig {
  const result = lifecycleConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const field = [where, ...issue.path.map(String)].join('.');
    return `${field}: ${messageOf(issue)}`;
  });
  throw new RestackError('eol.config-invalid', `invalid lifecycle settings: ${lines.join('; ')}`, {
    where,
    fix: 'correct the fields named above; see the lifecycle section of restack.schema.json',
  });
}

/** A record key that fails says only "Invalid key in record"; the reason is one level down. */
function messageOf(issue: {
  message: string;
  code?: string;
  issues?: readonly { message: string }[];
}): string {
  const inner = issue.code === 'invalid_key' ? issue.issues?.[0]?.message : undefined;
  return inner ? `invalid key: ${inner}` : issue.message;
}
