import { validateDigest, type ImageReference } from '@restack/reference';
import { statusError, type Api } from './api.js';
import { RegistryError } from './failure.js';
import {
  MANIFEST_ACCEPT,
  bareMediaType,
  digestWithAlgorithmOf,
  isIndexMediaType,
  manifestMediaType,
  parseIndex,
  platformDigests,
  sha256Digest,
} from './manifest.js';
import { header } from './transport.js';
import { lookupText, manifestReference, pullScope, v2Path } from './target.js';

export interface FetchedManifest {
  digest: string;
  mediaType: string | null;
  body: Buffer;
  json: unknown;
}

export interface ResolveOptions {
  /** Read per-platform digests of an image index (one GET per new index digest). Default true. */
  platforms?: boolean;
  /** GET the manifest and check it hashes to the digest the registry claims. Default false. */
  verify?: boolean;
}

export interface Resolved {
  digest: string;
  mediaType: string | null;
  /** Per-platform digests when the reference is an image index, else null. */
  platforms: Record<string, string> | null;
}

// The distribution spec lets registries refuse manifests above 4 MiB.
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const INDEX_CACHE_SIZE = 2000;

export interface Reads {
  resolve(ref: ImageReference, options: ResolveOptions): Promise<Resolved>;
  getManifest(ref: ImageReference, reference: string): Promise<FetchedManifest>;
}

/**
 * Digest lookups. A HEAD answers an unchanged tag; a GET happens only when
 * the registry omits Docker-Content-Digest, when asked to verify, or for an
 * index digest not seen before (its platforms are cached by digest, which
 * never changes content).
 */
export function createReads(api: Api): Reads {
  const platformCache = new Map<string, Record<string, string>>();

  function remember(digest: string, platforms: Record<string, string>): void {
    if (platformCache.size >= INDEX_CACHE_SIZE) {
      const oldest = platformCache.keys().next().value;
      if (oldest !== undefined) platformCache.delete(oldest);
    }
    platformCache.set(digest, platforms);
  }

  async function getManifest(ref: ImageReference, reference: string): Promise<FetchedManifest> {
    const registry = api.keyOf(ref.domain);
    const what = reference.includes(':') ? `${ref.name}@${reference}` : `${ref.name}:${reference}`;
    const res = await api.request(ref.domain, {
      method: 'GET',
      path: v2Path(ref.path, `manifests/${reference}`),
      headers: { accept: MANIFEST_ACCEPT },
      scopes: [pullScope(ref.path)],
      subject: what,
      maxBytes: MAX_MANIFEST_BYTES,
    });
    if (res.status !== 200) throw statusError(registry, what, res);
    const claimed = headerDigest(res.headers['docker-content-digest'], registry, what);
    const byDigest = reference.includes(':');
    const expected = byDigest ? reference : claimed;
    const actual = expected ? digestWithAlgorithmOf(expected, res.body) : sha256Digest(res.body);
    const mismatch = (wanted: string, source: string) =>
      new RegistryError(
        'digest-mismatch',
        `registry ${registry} sent a manifest for ${what} that hashes to ${actual ?? 'an unsupported algorithm'}, but ${source} says ${wanted}`,
        { registry, subject: what, status: res.status },
      );
    if (byDigest && actual !== reference) throw mismatch(reference, 'the requested digest');
    if (claimed && digestWithAlgorithmOf(claimed, res.body) !== claimed) {
      throw mismatch(claimed, 'its Docker-Content-Digest header');
    }
    let json: unknown;
    try {
      json = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new RegistryError(
        'bad-response',
        `registry ${registry} sent a manifest for ${what} that is not JSON`,
        {
          registry,
          subject: what,
          status: res.status,
        },
      );
    }
    const mediaType = manifestMediaType(json, bareMediaType(header(res, 'content-type')));
    return { digest: actual as string, mediaType, body: res.body, json };
  }

  function platformsOf(
    m: FetchedManifest,
    registry: string,
    what: string,
  ): Record<string, string> | null {
    if (!isIndexMediaType(m.mediaType)) return null;
    const index = parseIndex(m.json);
    if (index === null) {
      throw new RegistryError(
        'bad-response',
        `registry ${registry} sent an image index for ${what} that does not follow the OCI image-index schema`,
        {
          registry,
          subject: what,
        },
      );
    }
    const platforms = platformDigests(index);
    remember(m.digest, platforms);
    return platforms;
  }

  async function resolve(ref: ImageReference, options: ResolveOptions): Promise<Resolved> {
    const registry = api.keyOf(ref.domain);
    const reference = manifestReference(ref);
    const what = lookupText(ref);
    const res = await api.request(ref.domain, {
      method: 'HEAD',
      path: v2Path(ref.path, `manifests/${reference}`),
      headers: { accept: MANIFEST_ACCEPT },
      scopes: [pullScope(ref.path)],
      subject: what,
    });
    if (res.status !== 200) throw statusError(registry, what, res);
    let digest = headerDigest(res.headers['docker-content-digest'], registry, what);
    let mediaType = bareMediaType(header(res, 'content-type'));
    let platforms: Record<string, string> | null | undefined;
    if (digest === null || options.verify) {
      const m = await getManifest(ref, reference);
      if (digest !== null && m.digest !== digest) {
        // The GET may have met a tag that moved after the HEAD; say so rather than guess.
        throw new RegistryError(
          'digest-mismatch',
          `registry ${registry} reported ${digest} for ${what} on HEAD but served ${m.digest} on GET`,
          {
            registry,
            subject: what,
          },
        );
      }
      ({ digest, mediaType } = m);
      platforms = options.platforms === false ? null : platformsOf(m, registry, what);
    }
    if (ref.tag === null && ref.digest !== null && digest !== ref.digest) {
      throw new RegistryError(
        'digest-mismatch',
        `registry ${registry} answered ${digest} when asked for ${what}`,
        {
          registry,
          subject: what,
        },
      );
    }
    if (platforms === undefined) {
      platforms = options.platforms === false ? null : await indexPlatforms(ref, digest, mediaType);
    }
    return { digest, mediaType, platforms };
  }

  async function indexPlatforms(
    ref: ImageReference,
    digest: string,
    mediaType: string | null,
  ): Promise<Record<string, string> | null> {
    if (mediaType !== null && !isIndexMediaType(mediaType)) return null;
    const cached = platformCache.get(digest);
    if (cached) return cached;
    const registry = api.keyOf(ref.domain);
    try {
      const m = await getManifest(ref, digest);
      return platformsOf(m, registry, lookupText(ref));
    } catch (e) {
      if (e instanceof RegistryError && e.kind === 'missing') {
        // The registry just named this digest; not finding it means the header lied or the tag moved.
        throw new RegistryError(
          'digest-mismatch',
          `registry ${registry} reported ${digest} for ${lookupText(ref)} but has no manifest with that digest`,
          { registry, subject: lookupText(ref), cause: e },
        );
      }
      throw e;
    }
  }

  return { resolve, getManifest };
}

function headerDigest(
  value: string | string[] | undefined,
  registry: string,
  what: string,
): string | null {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return null;
  const problem = validateDigest(text);
  if (problem !== null) {
    throw new RegistryError(
      'bad-response',
      `registry ${registry} sent a malformed Docker-Content-Digest for ${what}: ${problem}`,
      {
        registry,
        subject: what,
      },
    );
  }
  return text;
}
