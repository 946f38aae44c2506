import { createHash } from 'node:crypto';
import { indexSchema, type ImageIndex, type Descriptor } from './schema.js';

/** https://github.com/opencontainers/image-spec/blob/main/media-types.md */
export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/** Sent on every manifest request, so no registry falls back to schema 1. */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.dockerManifest,
].join(', ');

export function isIndexMediaType(mediaType: string | null): boolean {
  return mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerManifestList;
}

/** `application/json; charset=utf-8` -> `application/json` */
export function bareMediaType(contentType: string | undefined): string | null {
  const bare = contentType?.split(';')[0]?.trim().toLowerCase();
  return bare ? bare : null;
}

export function sha256Digest(body: Uint8Array): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/** The digest of `body` computed with the algorithm `expected` names. */
export function digestWithAlgorithmOf(expected: string, body: Uint8Array): string | null {
  const algorithm = expected.slice(0, expected.indexOf(':'));
  if (!['sha256', 'sha384', 'sha512'].includes(algorithm)) return null;
  return `${algorithm}:${createHash(algorithm).update(body).digest('hex')}`;
}

/** A manifest's media type: its own field, else the Content-Type the registry sent. */
export function manifestMediaType(json: unknown, contentType: string | null): string | null {
  if (typeof json === 'object' && json !== null && 'mediaType' in json) {
    const own = (json as { mediaType: unknown }).mediaType;
    if (typeof own === 'string' && own !== '') return own;
  }
  if (typeof json === 'object' && json !== null && 'manifests' in json) return MEDIA_TYPES.ociIndex;
  return contentType;
}

/**
 * containerd's platform normalisation, so keys match what `docker pull
 * --platform` means: `arm64` is `arm64/v8`, `arm` defaults to `v7`,
 * `amd64/v1` is `amd64`.
 * https://github.com/containerd/platforms/blob/main/platforms.go
 */
export function platformKey(os: string, architecture: string, variant?: string): string {
  let arch = architecture.toLowerCase();
  let v = (variant ?? '').toLowerCase();
  if (arch === 'i386') arch = '386';
  if (arch === 'x86_64' || arch === 'x86-64') arch = 'amd64';
  if (arch === 'aarch64') arch = 'arm64';
  if (arch === 'armhf') [arch, v] = ['arm', 'v7'];
  if (arch === 'armel') [arch, v] = ['arm', 'v6'];
  if (arch === 'amd64' && v === 'v1') v = '';
  if (arch === 'arm64' && (v === '' || v === '8')) v = 'v8';
  if (arch === 'arm' && v === '') v = 'v7';
  if (arch === 'arm' && /^[5-8]$/.test(v)) v = `v${v}`;
  return [os.toLowerCase(), arch, v].filter((p) => p !== '').join('/');
}

/** Normalises a user-given key such as `linux/arm64`. */
export function normalisePlatform(text: string): string {
  const [os = '', arch = '', variant] = text.split('/');
  return platformKey(os, arch, variant);
}

// BuildKit attestations sit in the index as `unknown/unknown` manifests.
function isAttestation(d: Descriptor): boolean {
  return (
    d.annotations?.['vnd.docker.reference.type'] !== undefined ||
    (d.platform?.os === 'unknown' && d.platform.architecture === 'unknown')
  );
}

/** `{"linux/amd64": "sha256:..."}`; the first entry wins if a platform repeats. */
export function platformDigests(index: ImageIndex): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of index.manifests) {
    if (d.platform === undefined || isAttestation(d)) continue;
    const key = platformKey(d.platform.os, d.platform.architecture, d.platform.variant);
    out[key] ??= d.digest;
  }
  return out;
}

export function parseIndex(json: unknown): ImageIndex | null {
  const parsed = indexSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}
