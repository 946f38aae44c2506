import { RestackError } from '@restack/core';
import type { Policy } from '@restack/lifecycle';

/**
 * The policies that gate an image: the ones `promote.policies` names (each
 * must exist), else all of them (evaluation keeps those whose match selects it).
 */
export function gatePolicies(
  all: readonly Policy[],
  names: readonly string[] | undefined,
): Policy[] {
  if (!names) return [...all];
  return names.map((name) => {
    const found = all.find((p) => p.name === name);
    if (!found) {
      const known = all.map((p) => p.name).join(', ') || 'none';
      throw new RestackError(
        'promote.unknown-policy',
        `promote.policies names "${name}", which is not a policy`,
        {
          where: 'promote.policies',
          fix: `name one of the config's policies (${known})`,
        },
      );
    }
    return found;
  });
}
