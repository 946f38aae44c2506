import { z } from 'zod';
import { defineEvent } from './envelope.js';
import {
  campaignIdSchema,
  digestSchema,
  imageRefSchema,
  repositorySchema,
  targetIdSchema,
} from './fields.js';

/**
 * The promotion gate: a build pushed to a staging reference is copied to the
 * production tags only after base verification and the policies pass.
 * The verdict mirrors @restack/promote's PromotionVerdict (events must not
 * depend on it), so an audit can tell why an image was or was not promoted.
 */
export const promotionVerdictSchema = z.object({
  policy: z.string().min(1),
  rule: z.string().min(1),
  result: z.enum(['pass', 'warn', 'fail', 'not-evaluated']),
  message: z.string().max(4000),
  policyVersion: z.string(),
  scanner: z
    .object({ name: z.string().min(1), databaseUpdatedAt: z.string().min(1).nullable() })
    .nullable(),
  sources: z.array(z.object({ kind: z.string().min(1), detail: z.string() })),
});

/**
 * On build.completed and image.rebuilt: the build went to a staging
 * reference and waits for the gate before it reaches `image`:`to`.
 */
export const promotionPendingSchema = z.object({
  /** The production repository (without tag). */
  image: imageRefSchema,
  /** Production tags the gate copies the manifest to. */
  to: z.array(z.string().min(1)).min(1),
  targetId: targetIdSchema.optional(),
  /** owner/name of the sources, for the commit status. */
  repository: repositorySchema.optional(),
});

const promotionFields = {
  campaignId: campaignIdSchema,
  targetId: targetIdSchema.optional(),
  /** The production repository. */
  image: imageRefSchema,
  digest: digestSchema,
  /** The staging reference that was gated (`host/repo:tag`). */
  staging: imageRefSchema,
  verdicts: z.array(promotionVerdictSchema),
};

/** The gate passed: every production reference now points at `digest`. */
export const imagePromotedData = z.object({
  ...promotionFields,
  promoted: z.array(imageRefSchema).min(1),
});

/** The gate refused: production is unchanged; descendants must not build on it. */
export const promotionRefusedData = z.object({
  ...promotionFields,
  reason: z.string().min(1).max(4000),
});

export const imagePromotedEvent = defineEvent('restack.image.promoted', 1, imagePromotedData);
export const promotionRefusedEvent = defineEvent(
  'restack.promotion.refused',
  1,
  promotionRefusedData,
);
