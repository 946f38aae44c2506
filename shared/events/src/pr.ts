import { z } from 'zod';
import { defineEvent } from './envelope.js';
import {
  campaignIdSchema,
  digestSchema,
  failureSchema,
  imageRefSchema,
  isoTimeSchema,
  repoPathSchema,
  repositorySchema,
  targetIdSchema,
} from './fields.js';

const prTarget = {
  campaignId: campaignIdSchema,
  targetId: targetIdSchema,
  repository: repositorySchema,
};

/** Bump the pinned base digest in one Dockerfile. */
export const prRequestedData = z.object({
  ...prTarget,
  dockerfile: repoPathSchema,
  baseRef: imageRefSchema,
  fromDigest: digestSchema.nullable(),
  toDigest: digestSchema,
  /** Every Dockerfile of this repository bumped in the same commit (default: `dockerfile`). */
  dockerfiles: z.array(repoPathSchema).min(1).optional(),
  /** Every target this request covers (default: `targetId`). */
  targetIds: z.array(targetIdSchema).min(1).optional(),
  /** Every reference to bump (default: `baseRef` to `toDigest`); several for a diamond. */
  bumps: z
    .array(
      z.object({ ref: imageRefSchema, fromDigest: digestSchema.nullable(), digest: digestSchema }),
    )
    .min(1)
    .optional(),
  baseBranch: z.string().min(1).optional(),
  /** Add the digest to references that have none. */
  pin: z.boolean().optional(),
  /** What the PR body explains. */
  context: z
    .object({
      reason: z.enum(['digest-changed', 'stale', 'end-of-life', 'vulnerable']),
      trigger: imageRefSchema,
      firstSeenAt: isoTimeSchema.optional(),
      wave: z.number().int().nonnegative(),
      waves: z.number().int().positive(),
      downstream: z.array(z.string().min(1)),
      /** Catalog images the bumped Dockerfiles produce (to match the scan after the merge). */
      images: z.array(imageRefSchema).optional(),
    })
    .optional(),
});

export const prOpenedData = z.object({
  ...prTarget,
  number: z.number().int().positive(),
  url: z.url(),
  branch: z.string().min(1),
});

export const prUpdatedData = z.object({
  ...prTarget,
  number: z.number().int().positive(),
  url: z.url(),
  state: z.enum(['open', 'merged', 'closed']),
  /** Why restack reports it: `up-to-date` (nothing left to bump, PR closed), `human-push` (restack left the branch alone). */
  reason: z.enum(['up-to-date', 'human-push']).optional(),
});

export const prFailedData = z.object({ ...prTarget, failure: failureSchema });

export const prRequestedEvent = defineEvent('restack.pr.requested', 1, prRequestedData);
export const prOpenedEvent = defineEvent('restack.pr.opened', 1, prOpenedData);
export const prUpdatedEvent = defineEvent('restack.pr.updated', 1, prUpdatedData);
export const prFailedEvent = defineEvent('restack.pr.failed', 1, prFailedData);
