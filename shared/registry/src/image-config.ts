import type { ImageReference } from '@restack/reference';
import { statusError, type Api } from './api.js';
import { RegistryError } from './failure.js';
import {
  digestWithAlgorithmOf,
  isIndexMediaType,
  normalisePlatform,
  parseIndex,
  platformDigests,
  platformKey,
} from './manifest.js';
import type { Reads } from './reads.js';
import { imageConfigSchema, imageManifestSchema } from './schema.js';
import { lookupText, pullScope, v2Path } from './target.js';

export interface ImageConfigInfo {
  /** Digest of the platform's image manifest (not of the index). */
  manifestDigest: string;
  configDigest: string;
  platform: string;
  /** RFC 3339 creation time, or null when the image does not say. */
  created: string | null;
  labels: Record<string, string>;
  /** `rootfs.diff_ids`: uncompressed layer digests, base layers first. */
  diffIds: string[];
  /** `config.User`; empty when the image runs as the engine's default (root). */
  user: string;
  /** `config.ExposedPorts` keys, e.g. `22/tcp`. */
  exposedPorts: string[];
}

export interface ImageConfigOptions {
  /** For an image index: which platform's config, e.g. `linux/arm64`. Default `linux/amd64`. */
  platform?: string;
}

const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
const DEFAULT_PLATFORM = 'linux/amd64';

/** Reads an image's config blob: created time, labels and diff_ids, verified by digest. */
export async function readImageConfig(
  api: Api,
  reads: Reads,
  ref: ImageReference,
  digest: string,
  options: ImageConfigOptions,
): Promise<ImageConfigInfo> {
  const registry = api.keyOf(ref.domain);
  const what = lookupText(ref);
  const fail = (message: string) =>
    new RegistryError('bad-response', message, { registry, subject: what });
  let m = await reads.getManifest(ref, digest);
  if (isIndexMediaType(m.mediaType)) {
    const index = parseIndex(m.json);
    if (index === null)
      throw fail(
        `registry ${registry} sent an image index for ${what} that does not follow the OCI schema`,
      );
    const wanted = normalisePlatform(options.platform ?? DEFAULT_PLATFORM);
    const platforms = platformDigests(index);
    const chosen = platforms[wanted];
    if (chosen === undefined) {
      throw new RegistryError(
        'no-platform',
        `${what} on registry ${registry} has no ${wanted} image; it has ${Object.keys(platforms).join(', ') || 'none'}`,
        { registry, subject: what },
      );
    }
    m = await reads.getManifest(ref, chosen);
  }
  const manifest = imageManifestSchema.safeParse(m.json);
  if (!manifest.success)
    throw fail(`registry ${registry} sent a manifest for ${what} without a config descriptor`);
  const configDigest = manifest.data.config.digest;
  const res = await api.request(ref.domain, {
    method: 'GET',
    path: v2Path(ref.path, `blobs/${configDigest}`),
    scopes: [pullScope(ref.path)],
    subject: `${ref.name}@${configDigest}`,
    maxBytes: MAX_CONFIG_BYTES,
  });
  if (res.status !== 200) {
    const e = statusError(registry, `the config blob ${configDigest} of ${what}`, res);
    // The manifest names this blob, so its absence is a broken image, not a missing tag.
    throw e.kind === 'missing' ? fail(e.message) : e;
  }
  if (digestWithAlgorithmOf(configDigest, res.body) !== configDigest) {
    throw new RegistryError(
      'digest-mismatch',
      `registry ${registry} sent a config blob for ${what} that does not hash to ${configDigest}`,
      {
        registry,
        subject: what,
      },
    );
  }
  let json: unknown = null;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch {
    // reported below with the schema failure
  }
  const config = imageConfigSchema.safeParse(json);
  if (!config.success)
    throw fail(
      `registry ${registry} sent a config blob for ${what} that is not an OCI image config`,
    );
  const c = config.data;
  return {
    manifestDigest: m.digest,
    configDigest,
    platform: platformKey(c.os, c.architecture, c.variant),
    created: c.created ?? null,
    labels: { ...(c.config?.Labels ?? {}) },
    diffIds: c.rootfs.diff_ids,
    user: c.config?.User ?? '',
    exposedPorts: Object.keys(c.config?.ExposedPorts ?? {}),
  };
}
