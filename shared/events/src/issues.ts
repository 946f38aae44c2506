import type { z } from 'zod';

/** `data.waves[0][1]`: the path a user can find in the JSON. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Every issue as `path: message`, first one first. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): {
  where: string;
  text: string;
} {
  const lines = issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
  return { where: formatPath(issues[0]?.path ?? []), text: lines.join('; ') };
}
