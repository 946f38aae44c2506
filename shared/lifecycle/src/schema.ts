import { z } from 'zod';
import { datedFixSchema } from '@restack/events';

/**
 * The `policies:` section of restack.yaml: policy as code. Each policy
 * applies to the images, owning repositories or Dockerfiles its `match`
 * names (all of them when it has none); each rule has an action.
 */

export const POLICY_ACTIONS = ['warn', 'deny', 'rebuild'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

export const RULE_NAMES = [
  'maxAgeDays',
  'maxBaseDriftDays',
  'noEndOfLife',
  'allowedBases',
  'noLatest',
  'nonRootUser',
  'noExposedPorts',
  'maxVulnerabilities',
  'maxDaysSinceFix',
] as const;
export type RuleName = (typeof RULE_NAMES)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

const action = z
  .enum(POLICY_ACTIONS)
  .describe(
    'warn: report it; deny: fail the check or admission; rebuild: report it and ask for a rebuild.',
  );
const glob = z.string().min(1);
const globs = z.array(glob);

const rulesSchema = z
  .object({
    maxAgeDays: z
      .strictObject({ days: z.number().positive(), action })
      .optional()
      .describe('The image may be at most this many days old (its build clock is reported).'),
    maxBaseDriftDays: z
      .strictObject({ days: z.number().min(0), action })
      .optional()
      .describe('The base tag may have moved past the image at most this many days ago.'),
    noEndOfLife: z
      .strictObject({
        action,
        deprecated: z.boolean().default(true).describe('Also flag deprecated bases.'),
        eolSoon: z.boolean().default(false).describe('Also flag bases reaching end of life soon.'),
      })
      .optional()
      .describe('No end-of-life (or deprecated) base, per the end-of-life catalog.'),
    allowedBases: z
      .strictObject({
        registries: globs
          .default([])
          .describe('Registry hosts, e.g. docker.io, registry.example.com.'),
        repositories: globs
          .default([])
          .describe(
            'Repository globs, e.g. docker.io/library/* or registry.example.com/platform/**.',
          ),
        action,
      })
      .optional()
      .describe(
        'Bases must come from these registries or repositories (either list may allow it).',
      ),
    noLatest: z
      .strictObject({ action })
      .optional()
      .describe('No `latest` tag, and no reference without tag or digest.'),
    nonRootUser: z
      .strictObject({ action })
      .optional()
      .describe('The default user must not be root (USER, or the image config User).'),
    noExposedPorts: z
      .strictObject({
        ports: z.array(z.int().min(1).max(65535)).min(1).default([22]),
        action,
      })
      .optional()
      .describe('None of these ports may be exposed (default 22).'),
    maxVulnerabilities: z
      .strictObject({
        critical: z.int().min(0).optional(),
        high: z.int().min(0).optional(),
        medium: z.int().min(0).optional(),
        low: z.int().min(0).optional(),
        unknown: z.int().min(0).optional(),
        action,
      })
      .optional()
      .describe('At most this many vulnerabilities per severity, when a scan exists.'),
    maxDaysSinceFix: z
      .strictObject({
        days: z.number().min(0).describe('Days a fix may have been available without a rebuild.'),
        severities: z
          .array(z.enum(SEVERITIES))
          .min(1)
          .default(['critical', 'high'])
          .describe('Severities the rule counts; default critical and high.'),
        action,
      })
      .optional()
      .describe(
        "No vulnerability whose fix has been available longer than this (Anchore's max_days_since_fix), from the latest scheduled rescan (scanner.rescan).",
      ),
  })
  .strict();

const subjectMatch = {
  images: globs
    .optional()
    .describe(
      'Image globs: docker.io/library/python:3.*, registry.example.com/team/** (no tag: every tag).',
    ),
  repositories: globs
    .optional()
    .describe('Owning repository globs (the top folder of the source).'),
  dockerfiles: globs.optional().describe('Dockerfile path globs, relative to the config file.'),
};

export const policyExceptionSchema = z
  .strictObject({
    rules: z.array(z.enum(RULE_NAMES)).min(1).describe('The rules this exception waives.'),
    ...subjectMatch,
    expires: z.iso.date().describe('Last day the exception applies (YYYY-MM-DD, UTC).'),
    reason: z.string().min(1).describe('Why, shown in every verdict it changes.'),
  })
  .describe('A waiver with an expiry; once expired it no longer applies and verdicts say so.');

export const policySchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-"'),
    version: z
      .union([z.string().min(1), z.number()])
      .transform(String)
      .optional()
      .describe('Recorded in every verdict; defaults to a hash of the policy.'),
    description: z.string().optional(),
    match: z
      .strictObject(subjectMatch)
      .optional()
      .describe('What the policy applies to; all subjects when absent.'),
    rules: rulesSchema,
    exceptions: z.array(policyExceptionSchema).default([]),
  })
  .describe('One policy: what it applies to, its rules and their actions, and its exceptions.');

export const policiesSchema = z
  .array(policySchema)
  .default([])
  .refine((list) => new Set(list.map((p) => p.name)).size === list.length, {
    message: 'policy names must be unique',
  })
  .describe('Policies as code; `restack check` and the admission webhook evaluate them.');

/**
 * A vulnerability scan summary, the input to `maxVulnerabilities`. Counts
 * follow the severities of `restack.scan.completed` (@restack/events).
 */
export const scanSummarySchema = z.strictObject({
  /** The image (name:tag or name@digest) the scan is about. */
  image: z.string().min(1),
  digest: z.string().regex(/^[a-z0-9]+:[a-f0-9]+$/),
  scanner: z.string().min(1),
  scannedAt: z.iso.datetime({ offset: true }),
  counts: z.strictObject({
    critical: z.int().min(0),
    high: z.int().min(0),
    medium: z.int().min(0),
    low: z.int().min(0),
    unknown: z.int().min(0),
  }),
  /**
   * Findings with a fix and since when it exists (restack.image.vulnerable),
   * the input to `maxDaysSinceFix`; absent when the scan did not say.
   */
  fixes: z.array(datedFixSchema).optional(),
});

export type PolicyRules = z.output<typeof rulesSchema>;
export type Policy = z.output<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;
export type PolicyException = z.output<typeof policyExceptionSchema>;
export type ScanSummary = z.output<typeof scanSummarySchema>;
