import type { ReferenceReport } from '@restack/reference';
import { z } from 'zod';

/**
 * The JSON that `restack extract --json` prints: one entry per file.
 * The `ref` object is `restack ref --json`'s report (see @restack/reference).
 * Field order here is the order printed.
 */

const problemSchema = z.object({
  line: z.number().int().positive().nullable(),
  message: z.string(),
});

export const referenceReportSchema = z.object({
  input: z.string(),
  valid: z.boolean(),
  name: z.string().nullable(),
  familiar: z.string().nullable(),
  domain: z.string().nullable(),
  path: z.string().nullable(),
  tag: z.string().nullable(),
  digest: z.string().nullable(),
  effectiveTag: z.string().nullable(),
  error: z.string().nullable(),
});

export const extractJsonSchema = z.object({
  file: z.string(),
  references: z.array(
    z.object({
      line: z.number().int().positive(),
      kind: z.enum(['from', 'copy', 'mount']),
      stage: z.number().int().nonnegative(),
      stageName: z.string().nullable(),
      platform: z.string().nullable(),
      raw: z.string(),
      ref: referenceReportSchema.nullable(),
      unresolved: z.boolean(),
      reason: z.string().nullable(),
    }),
  ),
  stages: z.array(
    z.object({
      index: z.number().int().nonnegative(),
      name: z.string().nullable(),
      base: z.string(),
    }),
  ),
  errors: z.array(problemSchema),
  notes: z.array(problemSchema).optional(),
});

export type ExtractJson = z.infer<typeof extractJsonSchema>;

// The report schema must describe exactly what describeReference returns.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _sameReport: Same<z.infer<typeof referenceReportSchema>, ReferenceReport> = true;
