import { z } from 'zod';
import { defineEvent } from './envelope.js';
import {
  campaignIdSchema,
  digestSchema,
  failureSchema,
  imageRefSchema,
  platformSchema,
  repoPathSchema,
  repositorySchema,
  targetIdSchema,
} from './fields.js';
import { promotionPendingSchema } from './promotion.js';

const buildTarget = {
  campaignId: campaignIdSchema,
  targetId: targetIdSchema,
  /** Repository without tag, e.g. registry.example.com/team/app. */
  image: imageRefSchema,
};

/** Build one Dockerfile on the new base and push it under `tags`. */
export const buildRequestedData = z.object({
  ...buildTarget,
  tags: z.array(z.string().min(1)).min(1),
  repository: repositorySchema,
  /** Git revision of the sources to build. */
  revision: z.string().min(1),
  context: repoPathSchema,
  dockerfile: repoPathSchema,
  baseRef: imageRefSchema,
  baseDigest: digestSchema,
  platforms: z.array(platformSchema),
  /**
   * Every base to pin (the campaign trigger's new digest and each rebuilt
   * ancestor's new digest). Absent: only `baseRef` at `baseDigest`.
   */
  pins: z.array(z.object({ ref: imageRefSchema, digest: digestSchema })).optional(),
  /** Build arguments; absent: the catalog's. */
  buildArgs: z.record(z.string(), z.string()).optional(),
  /** The Dockerfile stage to build; absent: the catalog's. */
  target: z.string().min(1).optional(),
  /** The one platform to build; wins over `platforms` and the catalog. */
  platform: platformSchema.optional(),
});

export const buildCompletedData = z.object({
  ...buildTarget,
  tags: z.array(z.string().min(1)).min(1),
  digest: digestSchema,
  /** Set when `image:tags` is a staging reference that waits for the promotion gate. */
  promotion: promotionPendingSchema.optional(),
});

export const buildFailedData = z.object({ ...buildTarget, failure: failureSchema });

/** Ask the repository's own CI to rebuild (workflow_dispatch or equivalent). */
export const dispatchRequestedData = z.object({
  campaignId: campaignIdSchema,
  targetId: targetIdSchema,
  repository: repositorySchema,
  workflow: z.string().min(1),
  ref: z.string().min(1),
  inputs: z.record(z.string(), z.string()),
  /** `repository`: a repository_dispatch whose event type is `workflow`; default `workflow` (workflow_dispatch). */
  kind: z.enum(['workflow', 'repository']).optional(),
});

/** A new image exists on the new base, whoever built it. */
export const imageRebuiltData = z.object({
  image: imageRefSchema,
  tags: z.array(z.string().min(1)).min(1),
  digest: digestSchema,
  baseRef: imageRefSchema,
  baseDigest: digestSchema,
  dockerfile: repoPathSchema,
  campaignId: campaignIdSchema,
  /** What the image's tag pointed at before the push; null: the tag did not exist. */
  previousDigest: digestSchema.nullable().optional(),
  /** The exact source revision built (a commit); null: not a git tree. */
  revision: z.string().min(1).nullable().optional(),
  /** Set when `image:tags` is a staging reference that waits for the promotion gate. */
  promotion: promotionPendingSchema.optional(),
});

export const buildRequestedEvent = defineEvent('restack.build.requested', 1, buildRequestedData);
export const buildCompletedEvent = defineEvent('restack.build.completed', 1, buildCompletedData);
export const buildFailedEvent = defineEvent('restack.build.failed', 1, buildFailedData);
export const dispatchRequestedEvent = defineEvent(
  'restack.dispatch.requested',
  1,
  dispatchRequestedData,
);
export const imageRebuiltEvent = defineEvent('restack.image.rebuilt', 1, imageRebuiltData);
