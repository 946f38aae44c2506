import { z } from 'zod';
import { defineEvent } from './envelope.js';
import {
  detectedBySchema,
  digestSchema,
  imageRefSchema,
  isoTimeSchema,
  platformSchema,
} from './fields.js';

/** A tag now points at a different manifest (registry-watcher, or an internal image that was pushed). */
export const digestChangedData = z.object({
  ref: imageRefSchema,
  /** null when restack sees the tag for the first time and still wants its dependants checked. */
  previousDigest: digestSchema.nullable(),
  digest: digestSchema,
  /** Platforms in the new index; empty for a single-platform manifest whose platform is unknown. */
  platforms: z.array(platformSchema),
  detectedBy: detectedBySchema,
  /** When restack first observed `digest` for `ref`; repeats keep the first time. */
  firstSeenAt: isoTimeSchema,
});

/** A tag that used to resolve now answers 404; dependants keep their pinned digest. */
export const tagMissingData = z.object({
  ref: imageRefSchema,
  previousDigest: digestSchema,
  detectedBy: detectedBySchema,
});

export const digestChangedEvent = defineEvent('restack.digest.changed', 1, digestChangedData);
export const tagMissingEvent = defineEvent('restack.tag.missing', 1, tagMissingData);
