import { z } from 'zod';

/**
 * The config sections the dispatcher and pr-bot read (`actions`, `dryRun`,
 * `limits`, `pullRequests`), and the campaign record kept in KV. The config
 * package imports the section schemas so `restack.yaml` is validated once.
 */

export const ACTIONS = ['pr', 'build', 'dispatch', 'report'] as const;
export type Action = (typeof ACTIONS)[number];

export const actionRuleSchema = z
  .object({
    image: z
      .string()
      .min(1)
      .optional()
      .describe('Glob on the image a Dockerfile produces (`*` any run of characters).'),
    dockerfile: z.string().min(1).optional().describe('Glob on the Dockerfile path.'),
    action: z
      .enum(ACTIONS)
      .describe('pr: bump pinned digests; build; dispatch; report: record only.'),
    pin: z.boolean().default(false).describe('pr: also pin references that have no digest.'),
    workflow: z
      .string()
      .min(1)
      .optional()
      .describe('dispatch: workflow file (workflow_dispatch), e.g. rebuild.yml.'),
    eventType: z
      .string()
      .min(1)
      .optional()
      .describe('dispatch: repository_dispatch event type, instead of a workflow.'),
    ref: z.string().min(1).optional().describe('dispatch: branch the workflow runs on.'),
    inputs: z.record(z.string(), z.string()).default({}).describe('dispatch: extra inputs.'),
  })
  .strict()
  .refine(
    (r) => r.action !== 'dispatch' || (r.workflow === undefined) !== (r.eventType === undefined),
    {
      message: 'a dispatch action needs exactly one of workflow or eventType',
    },
  );

export const actionsSchema = z
  .array(actionRuleSchema)
  .default([])
  .describe(
    'Per image pattern, how targets are rebuilt; first match wins, else the plan strategy.',
  );

export const dryRunSchema = z
  .boolean()
  .default(false)
  .describe('Plan and record campaigns; open no PR, start no build or dispatch.');

export const scheduleSchema = z
  .object({
    cron: z.string().min(1).describe('Five-field cron (UTC) at which a window opens.'),
    durationMinutes: z.int().positive().max(10080).describe('How long each window stays open.'),
  })
  .strict();

export const limitsSchema = z
  .object({
    openPullRequestsPerRepository: z.int().positive().default(5),
    openPullRequests: z.int().positive().default(50).describe('Open rebuild PRs overall.'),
    concurrentBuilds: z.int().positive().default(10),
    schedules: z
      .array(scheduleSchema)
      .default([])
      .describe('Windows in which actions may start; none means always.'),
  })
  .strict()
  .prefault({});

export const pullRequestsSchema = z
  .object({
    commitMessage: z
      .string()
      .min(1)
      .default('chore(deps): rebuild on {ref}@{digest}')
      .describe('Commit message; {ref}, {digest}, {campaign}, {files} are replaced.'),
    staleAfterHours: z
      .number()
      .positive()
      .default(168)
      .describe('A requested PR target not done by then is marked stale.'),
    pollSeconds: z
      .number()
      .positive()
      .default(60)
      .describe('How often open PRs are checked for a merge.'),
  })
  .strict()
  .prefault({});

export type ActionRule = z.output<typeof actionRuleSchema>;
export type Limits = z.output<typeof limitsSchema>;
export type Schedule = z.output<typeof scheduleSchema>;
export type PullRequestSettings = z.output<typeof pullRequestsSchema>;

export const TARGET_STATES = [
  'pending',
  'requested',
  'done',
  'failed',
  'blocked',
  'superseded',
  'stale',
] as const;
export type TargetState = (typeof TARGET_STATES)[number];

const iso = z.string().min(1);

export const bumpSchema = z.object({
  ref: z.string().min(1),
  fromDigest: z.string().nullable(),
  digest: z.string().min(1),
});
export type Bump = z.infer<typeof bumpSchema>;

export const targetRecordSchema = z.object({
  id: z.string().min(1),
  image: z.string().optional(),
  repository: z.string().min(1),
  dockerfile: z.string().min(1),
  baseBranch: z.string().optional(),
  wave: z.int().nonnegative(),
  parents: z.array(z.string()),
  action: z.enum(ACTIONS),
  pin: z.boolean(),
  /** For `dispatch`: what to start, resolved from config when planned. */
  dispatch: z
    .object({
      kind: z.enum(['workflow', 'repository']),
      workflow: z.string().min(1),
      ref: z.string().optional(),
      inputs: z.record(z.string(), z.string()),
    })
    .optional(),
  state: z.enum(TARGET_STATES),
  /** Why it waits, was blocked, failed or went stale. */
  reason: z.string().optional(),
  attempt: z.int().nonnegative(),
  /** Set when a request must be (re)published; cleared once it is on the bus. */
  outbox: z.boolean(),
  /** The references bumped, fixed when the target is requested. */
  bumps: z.array(bumpSchema).optional(),
  /** Targets sharing one PR (same repository and bumps). */
  group: z.string().optional(),
  requestedAt: iso.optional(),
  finishedAt: iso.optional(),
  effect: z
    .object({
      prUrl: z.string().optional(),
      prNumber: z.int().optional(),
      branch: z.string().optional(),
      merged: z.boolean().optional(),
      /** The rebuilt image's new digest and the tag reference it was seen under. */
      digest: z.string().optional(),
      imageRef: z.string().optional(),
      /** Promotion gate: built to `staging`, then promoted to production or refused. */
      staging: z.string().optional(),
      promotion: z.enum(['pending', 'promoted', 'refused']).optional(),
      /** Why the gate refused the image (its descendants say so too). */
      refusal: z.string().optional(),
    })
    .default({}),
  history: z.array(
    z.object({ state: z.enum(TARGET_STATES), at: iso, reason: z.string().optional() }),
  ),
});
export type TargetRecord = z.infer<typeof targetRecordSchema>;

export const CAMPAIGN_STATES = ['active', 'finished', 'superseded'] as const;

export const campaignRecordSchema = z.object({
  campaignId: z.string().min(1),
  trigger: z.object({
    ref: z.string().min(1),
    previousDigest: z.string().nullable(),
    digest: z.string().min(1),
    firstSeenAt: iso.optional(),
  }),
  reason: z.enum(['digest-changed', 'stale', 'end-of-life', 'vulnerable']),
  dryRun: z.boolean(),
  state: z.enum(CAMPAIGN_STATES),
  supersededBy: z.string().optional(),
  createdAt: iso,
  updatedAt: iso,
  waves: z.array(z.array(z.string())),
  targets: z.record(z.string(), targetRecordSchema),
});
export type CampaignRecord = z.infer<typeof campaignRecordSchema>;
