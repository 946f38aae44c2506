import type { BucketSpec } from '@restack/bus';
import { detectedBySchema, digestSchema, isoTimeSchema } from '@restack/events';
import { z } from 'zod';

/** Digest state, one key per watched reference (`encodeKvKey(ref)`). */
export const DIGEST_BUCKET: BucketSpec = {
  name: 'restack-digests',
  history: 5,
  description: 'registry-watcher: what each watched tag points at',
};

/** `{"linux/amd64": "sha256:..."}` as in an OCI image index; null for a single-platform manifest. */
const platformDigests = z.record(z.string(), digestSchema).nullable();

/** A change seen inside the settle window, published once it has held still. */
const pendingSchema = z.object({
  digest: digestSchema,
  mediaType: z.string().nullable(),
  platforms: platformDigests,
  firstSeenAt: isoTimeSchema,
  detectedBy: detectedBySchema,
  settleUntil: isoTimeSchema,
});

export const refStateSchema = z.object({
  ref: z.string().min(1),
  /** The digest restack last accepted for the tag; null until a lookup first succeeds. */
  digest: digestSchema.nullable(),
  mediaType: z.string().nullable(),
  platforms: platformDigests,
  /** When `digest` was first observed for this reference. */
  firstSeenAt: isoTimeSchema.nullable(),
  lastCheckedAt: isoTimeSchema,
  /** The last failed check, with its reason; null after a successful one. */
  lastError: z.object({ kind: z.string(), reason: z.string(), at: isoTimeSchema }).nullable(),
  /** The registry said the tag is gone and restack.tag.missing was published for `digest`. */
  missing: z.boolean(),
  pending: pendingSchema.nullable(),
});

export type RefState = z.infer<typeof refStateSchema>;
export type PendingChange = z.infer<typeof pendingSchema>;
