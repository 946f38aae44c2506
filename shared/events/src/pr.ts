import { z } from 'zod';
import { defineEvent } from './envelope.js';
import {
  campaignIdSchema,
  digestSchema,
  failureSchema,
  imageRefSchema,
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
});

export const prFailedData = z.object({ ...prTarget, failure: failureSchema });

export const prRequestedEvent = defineEvent('restack.pr.requested', 1, prRequestedData);
export const prOpenedEvent = defineEvent('restack.pr.opened', 1, prOpenedData);
export const prUpdatedEvent = defineEvent('restack.pr.updated', 1, prUpdatedData);
export const prFailedEvent = defineEvent('restack.pr.failed', 1, prFailedData);
