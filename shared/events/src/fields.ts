import { z } from 'zod';

/**
 * Field schemas shared by several event groups. Later services may tighten
 * them (for instance parse `ref` with @restack/reference); the wire format
 * stays the same.
 */

/** OCI content digest, `algorithm:encoded`. https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests */
export const digestSchema = z
  .string()
  .regex(
    /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/,
    'must be an OCI digest such as sha256:<hex>',
  );

/** An image reference as the user wrote it (`debian:bookworm`, `ghcr.io/o/app:1`). */
export const imageRefSchema = z.string().min(1).max(512);

/** `os/arch[/variant]`, as in an OCI image index. */
export const platformSchema = z
  .string()
  .regex(/^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/, 'must look like linux/amd64');

export const campaignIdSchema = z.string().min(1).max(200);

/** Identifies one image to rebuild inside a campaign (a graph node id). */
export const targetIdSchema = z.string().min(1).max(512);

/** `owner/name` on the forge. */
export const repositorySchema = z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name');

/** A path inside a repository, relative and without `..`. */
export const repoPathSchema = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith('/') && !p.split('/').includes('..'),
    'must be a relative path inside the repository',
  );

export const isoTimeSchema = z.iso.datetime({ offset: true });

export const detectedBySchema = z.enum(['poll', 'webhook']);

export const severitySchema = z.enum(['critical', 'high', 'medium', 'low', 'unknown']);

export const severityCountsSchema = z.object({
  critical: z.number().int().nonnegative(),
  high: z.number().int().nonnegative(),
  medium: z.number().int().nonnegative(),
  low: z.number().int().nonnegative(),
  unknown: z.number().int().nonnegative(),
});

/** A failure reported by a worker; `retryable` tells the dispatcher whether to try again. */
export const failureSchema = z.object({
  message: z.string().min(1).max(4000),
  code: z.string().min(1).max(100).optional(),
  retryable: z.boolean(),
});

/**
 * A finding with a fix and since when the fix exists (the report's fix date,
 * else when restack first saw the fixed version): what `maxDaysSinceFix` judges.
 */
export const datedFixSchema = z.strictObject({
  id: z.string().min(1),
  package: z.string().min(1),
  severity: severitySchema,
  fixSince: z.iso.datetime({ offset: true }),
});
export type DatedFix = z.infer<typeof datedFixSchema>;
