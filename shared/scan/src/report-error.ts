import { RestackError } from '@restack/core';
import type { z } from 'zod';

/** Validates a scanner's JSON with its schema, naming the first field that does not fit. */
export function parseReport<S extends z.ZodType>(
  schema: S,
  json: unknown,
  what: string,
): z.infer<S> {
  const result = schema.safeParse(json);
  if (result.success) return result.data as z.infer<S>;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join('.') || '(root)';
  throw new RestackError(
    'SCAN_REPORT_INVALID',
    `${what} is not in the expected format: ${path}: ${issue?.message ?? 'invalid'}`,
    {
      where: `${what} ${path}`,
      fix: 'use a scanner release whose JSON report restack reads (see @restack/scan README), or file an issue with the report',
    },
  );
}
