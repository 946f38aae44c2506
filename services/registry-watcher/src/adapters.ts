import type { Bus, TypedKv } from '@restack/bus';
import { encodeKvKey } from '@restack/bus';
import { isRestackError } from '@restack/core';
import { parseReference } from '@restack/reference';
import { normalisePlatform, type RegistryClient } from '@restack/registry';
import { z } from 'zod';
import type { LookupPort, StatePort } from './check.js';
import { DIGEST_BUCKET, refStateSchema, type RefState } from './schema.js';

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/**
 * The parts of an image index the watcher reads.
 * https://github.com/opencontainers/image-spec/blob/main/image-index.md
 */
const indexSchema = z.object({
  mediaType: z.string().optional(),
  manifests: z.array(
    z.object({
      digest: z.string(),
      platform: z
        .object({ os: z.string(), architecture: z.string(), variant: z.string().optional() })
        .optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    }),
  ),
});

/** Lookups through the one registry client: HEAD for the digest, one GET by digest for a new one. */
export function registryLookup(client: RegistryClient): LookupPort {
  return {
    async digest(ref) {
      const r = await client.resolve(ref, { platforms: false });
      if (r.ok) return { status: 'found', digest: r.value.digest, mediaType: r.value.mediaType };
      if (r.kind === 'missing') return { status: 'missing', reason: r.reason };
      return { status: 'failed', kind: r.kind, reason: r.reason };
    },
    async platforms(ref, digest) {
      const parsed = parseReference(ref);
      if (!parsed.ok) return { ok: false, kind: 'invalid-reference', reason: parsed.error };
      // Even a single manifest is fetched by digest (which checks its hash) before a new digest
      // is believed: a wrong Docker-Content-Digest on the HEAD would otherwise read as a move.
      const m = await client.fetchManifest(`${parsed.ref.name}@${digest}`);
      if (!m.ok && m.kind === 'missing') {
        const reason = `the registry named ${digest} for ${ref} but has no manifest with that digest`;
        return { ok: false, kind: 'digest-mismatch', reason };
      }
      if (!m.ok) return { ok: false, kind: m.kind, reason: m.reason };
      if (!INDEX_TYPES.has(m.value.mediaType ?? '')) return { ok: true, platforms: null };
      const index = indexSchema.safeParse(m.value.json);
      if (!index.success) {
        return {
          ok: false,
          kind: 'bad-response',
          reason: `the image index of ${ref} (${digest}) does not follow the OCI image-index schema`,
        };
      }
      const platforms: Record<string, string> = {};
      for (const d of index.data.manifests) {
        // BuildKit attestations sit in the index as unknown/unknown; they are not platforms.
        if (
          !d.platform ||
          d.platform.os === 'unknown' ||
          d.annotations?.['vnd.docker.reference.type']
        )
          continue;
        const { os, architecture, variant } = d.platform;
        platforms[normalisePlatform([os, architecture, variant].filter(Boolean).join('/'))] =
          d.digest;
      }
      return { ok: true, platforms };
    },
  };
}

/** Digest state in the restack-digests KV bucket. */
export function kvState(kv: TypedKv<RefState>): StatePort {
  return {
    async read(ref) {
      return kv.get(encodeKvKey(ref));
    },
    async write(ref, value, revision) {
      try {
        return revision === null
          ? await kv.create(encodeKvKey(ref), value)
          : await kv.update(encodeKvKey(ref), value, revision);
      } catch (e) {
        if (isRestackError(e) && (e.code === 'KV_CONFLICT' || e.code === 'KV_EXISTS'))
          return 'conflict';
        throw e;
      }
    },
  };
}

export async function openDigestState(bus: Bus): Promise<TypedKv<RefState>> {
  return bus.kv(DIGEST_BUCKET.name, refStateSchema);
}
