import { formatReference, validateDigest, type ImageReference } from '@restack/reference';
import { statusError, type Api } from './api.js';
import { RegistryError } from './failure.js';
import { manifestMediaType, sha256Digest } from './manifest.js';
import { header } from './transport.js';
import { pullScope, pushScope, v2Path } from './target.js';

/**
 * The writes a promotion gate needs: put a manifest under a tag, mount a
 * blob from another repository of the same registry, check a blob exists.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#push
 */

export async function putManifest(
  api: Api,
  ref: ImageReference,
  body: Uint8Array,
  mediaType: string | undefined,
): Promise<{ digest: string }> {
  const registry = api.keyOf(ref.domain);
  const what = formatReference(ref);
  const reference = ref.tag ?? ref.digest;
  const digest = sha256Digest(body);
  const invalid = (message: string) =>
    new RegistryError('invalid-reference', message, { registry, subject: what });
  if (reference === null) throw invalid(`${what} names no tag to put the manifest under`);
  let type = mediaType;
  if (type === undefined) {
    try {
      type = manifestMediaType(JSON.parse(Buffer.from(body).toString('utf8')), null) ?? undefined;
    } catch {
      type = undefined;
    }
  }
  if (type === undefined)
    throw invalid(`the manifest for ${what} has no mediaType field; pass one`);
  const res = await api.request(ref.domain, {
    method: 'PUT',
    path: v2Path(ref.path, `manifests/${reference}`),
    headers: { 'content-type': type },
    body,
    scopes: [pushScope(ref.path)],
    subject: what,
  });
  if (res.status !== 201 && res.status !== 200) throw statusError(registry, what, res);
  const claimed = header(res, 'docker-content-digest');
  if (claimed !== undefined && claimed !== digest) {
    throw new RegistryError(
      'digest-mismatch',
      `registry ${registry} stored the manifest for ${what} as ${claimed}, but its content hashes to ${digest}`,
      {
        registry,
        subject: what,
      },
    );
  }
  return { digest };
}

/**
 * POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<other>: 201 means the
 * blob is now in the target repository; 202 means the registry would not
 * mount it and opened an upload instead, which we cancel.
 */
export async function mountBlob(
  api: Api,
  target: ImageReference,
  digest: string,
  from: ImageReference,
): Promise<{ mounted: boolean }> {
  const registry = api.keyOf(target.domain);
  const what = `${digest} from ${from.name} into ${target.name}`;
  checkDigest(registry, what, digest);
  if (api.keyOf(from.domain) !== registry) {
    throw new RegistryError(
      'invalid-reference',
      `cannot mount ${what}: a blob can only be mounted within one registry`,
      {
        registry,
        subject: what,
      },
    );
  }
  const query = new URLSearchParams({ mount: digest, from: from.path });
  const res = await api.request(target.domain, {
    method: 'POST',
    path: `${v2Path(target.path, 'blobs/uploads/')}?${query.toString()}`,
    scopes: [pushScope(target.path), pullScope(from.path)],
    subject: what,
  });
  if (res.status === 201) return { mounted: true };
  if (res.status === 202) {
    const location = header(res, 'location');
    if (location) {
      // Best effort: an abandoned upload session is only garbage on the registry.
      await api
        .request(target.domain, {
          method: 'DELETE',
          path: location,
          scopes: [pushScope(target.path)],
          subject: what,
        })
        .catch(() => undefined);
    }
    return { mounted: false };
  }
  throw statusError(registry, what, res);
}

export async function blobExists(api: Api, repo: ImageReference, digest: string): Promise<boolean> {
  const registry = api.keyOf(repo.domain);
  const what = `${repo.name}@${digest}`;
  checkDigest(registry, what, digest);
  const res = await api.request(repo.domain, {
    method: 'HEAD',
    path: v2Path(repo.path, `blobs/${digest}`),
    scopes: [pullScope(repo.path)],
    subject: what,
  });
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw statusError(registry, what, res);
}

function checkDigest(registry: string, what: string, digest: string): void {
  const problem = validateDigest(digest);
  if (problem !== null)
    throw new RegistryError('invalid-reference', `${what}: ${problem}`, {
      registry,
      subject: what,
    });
}
