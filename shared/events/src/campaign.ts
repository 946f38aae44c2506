import { z } from 'zod';
import { defineEvent } from './envelope.js';
import {
  campaignIdSchema,
  digestSchema,
  imageRefSchema,
  isoTimeSchema,
  repoPathSchema,
  repositorySchema,
  targetIdSchema,
} from './fields.js';

/** How a target gets rebuilt: a PR bumping a pin, restack building it, or the repository's own CI. */
export const strategySchema = z.enum(['pr', 'build', 'dispatch']);

export const targetSchema = z.object({
  id: targetIdSchema,
  /** The image this Dockerfile produces, when known from the catalog. */
  image: imageRefSchema.optional(),
  repository: repositorySchema,
  dockerfile: repoPathSchema,
  strategy: strategySchema,
  /** Affected targets this one is built on (its parents in the graph); absent: every target of earlier waves. */
  parents: z.array(targetIdSchema).optional(),
  /** Branch pull requests go to; absent: the repository's default branch. */
  baseBranch: z.string().min(1).optional(),
});

export const triggerSchema = z.object({
  ref: imageRefSchema,
  previousDigest: digestSchema.nullable(),
  digest: digestSchema,
  /** When the new digest was first seen (from digest.changed). */
  firstSeenAt: isoTimeSchema.optional(),
});

/** The graph service's plan: waves of target ids, parents before children. */
export const campaignPlannedData = z
  .object({
    campaignId: campaignIdSchema,
    trigger: triggerSchema,
    /** Why the campaign exists; absent means a digest change. */
    reason: z.enum(['digest-changed', 'stale', 'end-of-life', 'vulnerable']).optional(),
    waves: z.array(z.array(targetIdSchema).min(1)),
    targets: z.array(targetSchema),
  })
  .superRefine((plan, ctx) => {
    const known = new Set(plan.targets.map((t) => t.id));
    const seen = new Set<string>();
    plan.waves.forEach((wave, w) =>
      wave.forEach((id, i) => {
        if (!known.has(id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['waves', w, i],
            message: `target ${id} is not in targets`,
          });
        } else if (seen.has(id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['waves', w, i],
            message: `target ${id} appears in two waves`,
          });
        }
        seen.add(id);
      }),
    );
  });

export const campaignPlannedEvent = defineEvent('restack.campaign.planned', 1, campaignPlannedData);
