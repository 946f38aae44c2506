import { RestackError, errorMessage } from '@restack/core';
import { imageIndexSchema, imageManifestSchema, type Descriptor } from '@restack/inventory';
import { formatReference, parseReference, type ImageReference } from '@restack/reference';
import type { RegistryClient, RegistryResult } from '@restack/registry';

/** One manifest exactly as the registry stores it: the bytes are what keep the digest. */
export interface StoredManifest {
  digest: string;
  mediaType: string;
  body: Buffer;
}

export interface StagedImage {
  ref: ImageReference;
  top: StoredManifest;
  /** `{"linux/amd64": digest}` for an index, else null. */
  platforms: Record<string, string> | null;
  /** The child manifests of an index (empty for a single image). */
  children: StoredManifest[];
  /** Config and layer blobs of every manifest, deduplicated. */
  blobs: string[];
}

function unwrap<T>(result: RegistryResult<T>): T {
  if (!result.ok) throw result.error;
  return result.value;
}

function parse(input: string, what: string): ImageReference {
  const parsed = parseReference(input);
  if (!parsed.ok) {
    throw new RestackError('promote.bad-reference', `${what} "${input}": ${parsed.error}`, {
      where: input,
      fix: 'write it as host/repository:tag',
    });
  }
  return parsed.ref;
}

// Foreign layers live outside the registry and cannot be mounted (image-spec layer media types).
const isDistributable = (d: Descriptor) =>
  !d.mediaType.includes('nondistributable') && !d.mediaType.includes('foreign') && !d.urls;

function blobsOf(json: unknown, where: string): string[] {
  const m = imageManifestSchema.safeParse(json);
  if (!m.success) {
    throw new RestackError('promote.bad-manifest', `${where} is not an image manifest`, {
      where,
      fix: 'promote an image built to the OCI or Docker v2 manifest format',
    });
  }
  return [m.data.config, ...m.data.layers].filter(isDistributable).map((d) => d.digest);
}

/** GETs the staged manifest (and every child of an index) with their exact bytes. */
export async function readStaged(registry: RegistryClient, image: string): Promise<StagedImage> {
  const ref = parse(image, 'the image');
  const top = unwrap(await registry.fetchManifest(ref));
  const stored = (m: typeof top, where: string): StoredManifest => {
    if (!m.mediaType) {
      throw new RestackError('promote.bad-manifest', `${where} has no media type`, {
        where,
        fix: 'push the image with a mediaType in its manifest',
      });
    }
    return { digest: m.digest, mediaType: m.mediaType, body: m.body };
  };
  const index = imageIndexSchema.safeParse(top.json);
  if (!index.success) {
    return {
      ref,
      top: stored(top, image),
      platforms: null,
      children: [],
      blobs: blobsOf(top.json, image),
    };
  }
  const platforms: Record<string, string> = {};
  const children: StoredManifest[] = [];
  const blobs = new Set<string>();
  for (const d of index.data.manifests) {
    const where = `${ref.name}@${d.digest}`;
    const child = unwrap(await registry.fetchManifest(where));
    children.push(stored(child, where));
    for (const b of blobsOf(child.json, where)) blobs.add(b);
    // Attestation manifests (unknown/unknown) are copied but are not platforms to gate.
    const p = d.platform;
    if (p && p.os !== 'unknown') {
      platforms[[p.os, p.architecture, p.variant].filter(Boolean).join('/')] = d.digest;
    }
  }
  return { ref, top: stored(top, image), platforms, children, blobs: [...blobs] };
}

/**
 * The production references: a bare tag (no "/") is a tag of `repository`;
 * anything else is a full reference that must name a tag.
 */
export function productionTargets(to: readonly string[], repository: string): ImageReference[] {
  if (to.length === 0) {
    throw new RestackError('promote.no-targets', 'no production tag to promote to', {
      fix: 'pass at least one --to TAG',
    });
  }
  return to.map((t) => {
    const ref = parse(t.includes('/') ? t : `${repository}:${t}`, 'the production tag');
    if (ref.tag === null || ref.digest !== null) {
      throw new RestackError('promote.bad-target', `"${t}" names no tag to promote to`, {
        where: t,
        fix: 'write a tag ("1.2") or host/repository:tag, without a digest',
      });
    }
    return ref;
  });
}

export interface CopyOutcome {
  /** Every target now at the digest, as host/repo:tag. */
  promoted: string[];
  /** Targets that were already at the digest and were left alone. */
  unchanged: string[];
  /** Blobs mounted across repositories. */
  mounted: number;
}

/**
 * Writes the staged manifest under every target tag without moving layers:
 * blobs are mounted into another repository of the same registry
 * (POST ?mount=&from=), child manifests are put by digest, then the top
 * manifest's exact bytes under each tag.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#mounting-a-blob-from-another-repository
 */
export async function copyToTargets(
  registry: RegistryClient,
  staged: StagedImage,
  targets: readonly ImageReference[],
): Promise<CopyOutcome> {
  const pending: ImageReference[] = [];
  const unchanged: string[] = [];
  for (const t of targets) {
    const now = await registry.resolve(t, { platforms: false });
    if (now.ok && now.value.digest === staged.top.digest) unchanged.push(formatReference(t));
    else if (!now.ok && now.kind !== 'missing') throw now.error;
    else pending.push(t);
  }
  let mounted = 0;
  const repos = new Map(pending.map((t) => [t.name, t]));
  for (const target of repos.values()) {
    if (target.name === staged.ref.name) continue;
    if (target.domain !== staged.ref.domain) {
      throw new RestackError(
        'promote.cross-registry',
        `cannot promote ${staged.ref.name} to ${target.name}: blobs can only be mounted within one registry`,
        {
          where: formatReference(target),
          fix: 'promote to a repository on the same registry, or copy the image with a registry-to-registry tool first',
        },
      );
    }
    for (const digest of staged.blobs) {
      const m = unwrap(await registry.mountBlob(target, digest, staged.ref));
      if (!m.mounted) {
        throw new RestackError(
          'promote.mount-refused',
          `registry ${target.domain} would not mount ${digest} from ${staged.ref.name} into ${target.name}; production tags are unchanged`,
          {
            where: target.name,
            fix: 'give the credentials pull access to the staging repository and push access to the production one',
          },
        );
      }
      mounted++;
    }
    for (const child of staged.children) {
      unwrap(
        await registry.putManifest(`${target.name}@${child.digest}`, child.body, child.mediaType),
      );
    }
  }
  const promoted: string[] = [];
  for (const target of pending) {
    const where = formatReference(target);
    try {
      const put = unwrap(await registry.putManifest(target, staged.top.body, staged.top.mediaType));
      if (put.digest !== staged.top.digest) {
        throw new RestackError(
          'promote.digest-changed',
          `${where} was stored as ${put.digest}, not ${staged.top.digest}`,
          { where, fix: 'report this registry: it rewrote the manifest' },
        );
      }
      promoted.push(where);
    } catch (cause) {
      const done = promoted.length ? `; already promoted: ${promoted.join(', ')}` : '';
      throw new RestackError(
        'promote.write-failed',
        `writing ${where} failed: ${errorMessage(cause)}${done}`,
        { where, cause, fix: 'fix the cause and run the promotion again (it is idempotent)' },
      );
    }
  }
  return { promoted: [...unchanged, ...promoted], unchanged, mounted };
}
