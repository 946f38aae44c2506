import { z } from 'zod';
import { datedFixSchema } from '@restack/events';

/** Placeholders a staging tag template may use. */
export const STAGING_PLACEHOLDERS = ['revision', 'campaign'] as const;

// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests (tag grammar)
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Why a staging tag template is unusable, or null when it is fine. */
export function stagingTagProblem(template: string): string | null {
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1] ?? '';
    if (!(STAGING_PLACEHOLDERS as readonly string[]).includes(name)) {
      return `unknown placeholder {${name}}; use ${STAGING_PLACEHOLDERS.map((p) => `{${p}}`).join(' or ')}`;
    }
  }
  const sample = template.replace(PLACEHOLDER, 'x');
  if (!TAG.test(sample)) {
    return 'a tag is letters, digits, "_", "." and "-" (not starting with "." or "-"), at most 128 characters';
  }
  return null;
}

/**
 * `images[].promote` in restack.yaml: builds push to a staging tag and
 * restack copies the manifest to the production tags once the gate passes.
 */
export const promoteSchema = z
  .object({
    stagingRepository: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Repository builds push to before promotion, e.g. registry.example.com/staging/python; default the image's own name.",
      ),
    stagingTag: z
      .string()
      .min(1)
      .default('sha-{revision}')
      .superRefine((value, ctx) => {
        const problem = stagingTagProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe(
        'Tag template of the staging image: {revision} is the 12-character commit, {campaign} the campaign id.',
      ),
    policies: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'Names of the policies that gate promotion; default every policy whose match selects the image.',
      ),
  })
  .strict()
  .describe(
    'Promotion gate: push to a staging tag, verify the base and pass the policies, then copy to the production tags.',
  );

export type PromoteSettings = z.output<typeof promoteSchema>;
export type PromoteSettingsInput = z.input<typeof promoteSchema>;

const count = z.int().min(0);

/** What a scan tells the gate (from restack.scan.completed, or `restack promote --scan FILE`). */
export const scanFactsSchema = z.strictObject({
  scanner: z.string().min(1),
  /** When the scan ran, if known (vulnerability findings quote it). */
  scannedAt: z.iso.datetime({ offset: true }).optional(),
  databaseUpdatedAt: z.string().min(1).nullable(),
  counts: z.strictObject({
    critical: count,
    high: count,
    medium: count,
    low: count,
    unknown: count,
  }),
  baseVerified: z.boolean().nullable(),
  verificationReasons: z.array(z.string()).optional(),
  /** Findings with a fix and since when, for `maxDaysSinceFix`; without them that rule is not evaluated. */
  fixes: z.array(datedFixSchema).optional(),
});
