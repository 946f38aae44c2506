import { z } from 'zod';

/**
 * A content descriptor.
 * https://github.com/opencontainers/image-spec/blob/main/descriptor.md
 */
export const descriptorSchema = z.looseObject({
  mediaType: z.string(),
  digest: z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/),
  size: z.number().int().nonnegative(),
  platform: z
    .looseObject({ os: z.string(), architecture: z.string(), variant: z.string().optional() })
    .optional(),
});

/**
 * OCI image index / Docker manifest list.
 * https://github.com/opencontainers/image-spec/blob/main/image-index.md
 */
export const imageIndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
});

/**
 * OCI image manifest / Docker image manifest v2 schema 2.
 * https://github.com/opencontainers/image-spec/blob/main/manifest.md
 */
export const imageManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
});

/**
 * The parts of an image config restack reads: layers (diff_ids) and labels.
 * https://github.com/opencontainers/image-spec/blob/main/config.md
 */
export const imageConfigSchema = z.looseObject({
  created: z.string().optional(),
  os: z.string().optional(),
  architecture: z.string().optional(),
  config: z.looseObject({ Labels: z.record(z.string(), z.string()).nullish() }).nullish(),
  rootfs: z.looseObject({ type: z.string(), diff_ids: z.array(z.string()) }),
});

export type Descriptor = z.infer<typeof descriptorSchema>;
export type ImageIndex = z.infer<typeof imageIndexSchema>;
export type ImageManifest = z.infer<typeof imageManifestSchema>;
export type ImageConfig = z.infer<typeof imageConfigSchema>;
