import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { RestackError } from '@restack/core';
import type { ImageReference } from '@restack/reference';
import type { FetchedManifest, ImageSource } from './image-source.js';

export interface BasicCredentials {
  username: string;
  password: string;
}

export interface FetchImageSourceOptions {
  /** Registries spoken to over plain http. Default: loopback hosts (127.0.0.1, localhost, [::1]). */
  plainHttp?: (host: string) => boolean;
  /** Credentials for a registry host, when it needs them. */
  credentials?: (host: string) => BasicCredentials | undefined;
  fetch?: typeof fetch;
}

/** https://github.com/opencontainers/image-spec/blob/main/media-types.md */
const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '');
  return (
    name === '127.0.0.1' || name === 'localhost' || name === '[::1]' || name.startsWith('127.')
  );
}

/**
 * A minimal registry reader over fetch (Distribution API v2): anonymous,
 * Basic, or Bearer tokens from the registry's WWW-Authenticate challenge.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pull
 * https://distribution.github.io/distribution/spec/auth/token/
 */
export function createFetchImageSource(options: FetchImageSourceOptions = {}): ImageSource {
  const doFetch = options.fetch ?? fetch;
  const plainHttp = options.plainHttp ?? isLoopback;
  const tokens = new Map<string, string>();

  function base(ref: ImageReference): string {
    const host = ref.domain === 'docker.io' ? 'registry-1.docker.io' : ref.domain;
    return `${plainHttp(ref.domain) ? 'http' : 'https'}://${host}/v2/${ref.path}`;
  }

  async function get(ref: ImageReference, url: string, accept?: string): Promise<Response> {
    const scope = `repository:${ref.path}:pull`;
    const key = `${ref.domain}|${scope}`;
    const send = (authorization?: string) =>
      doFetch(url, {
        headers: { ...(accept ? { accept } : {}), ...(authorization ? { authorization } : {}) },
      }).catch((e: unknown) => {
        throw failure(
          ref,
          url,
          `the request failed: ${e instanceof Error ? e.message : String(e)}`,
          e,
        );
      });
    let res = await send(tokens.get(key));
    if (res.status !== 401) return res;
    await res.arrayBuffer();
    const authorization = await authorize(ref, res.headers.get('www-authenticate') ?? '', scope);
    if (authorization === null) return res;
    tokens.set(key, authorization);
    res = await send(authorization);
    return res;
  }

  async function authorize(
    ref: ImageReference,
    challenge: string,
    scope: string,
  ): Promise<string | null> {
    const credentials = options.credentials?.(ref.domain);
    const basic = credentials
      ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
      : undefined;
    if (/^basic/i.test(challenge)) return basic ?? null;
    if (!/^bearer/i.test(challenge)) return null;
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [
        m[1]?.toLowerCase() ?? '',
        m[2] ?? '',
      ]),
    );
    if (!params.realm) return null;
    const tokenUrl = new URL(params.realm);
    if (params.service) tokenUrl.searchParams.set('service', params.service);
    tokenUrl.searchParams.set('scope', params.scope ?? scope);
    const res = await doFetch(tokenUrl, { headers: basic ? { authorization: basic } : {} });
    if (!res.ok) {
      await res.arrayBuffer();
      throw failure(
        ref,
        tokenUrl.origin + tokenUrl.pathname,
        `the token server answered ${res.status}`,
      );
    }
    const body = (await res.json()) as { token?: unknown; access_token?: unknown };
    const token = typeof body.token === 'string' ? body.token : body.access_token;
    return typeof token === 'string' ? `Bearer ${token}` : null;
  }

  return {
    async manifest(ref, reference) {
      const url = `${base(ref)}/manifests/${reference}`;
      const res = await get(ref, url, MANIFEST_ACCEPT);
      if (!res.ok) throw await statusFailure(ref, url, res, `the manifest ${reference}`);
      const body = Buffer.from(await res.arrayBuffer());
      if (body.length > MAX_MANIFEST_BYTES)
        throw failure(ref, url, `the manifest is ${body.length} bytes, too large`);
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      if (reference.includes(':') && reference !== digest) {
        throw failure(ref, url, `the manifest hashes to ${digest}, not ${reference}`);
      }
      const manifest: FetchedManifest = {
        digest,
        mediaType: res.headers.get('content-type'),
        body,
      };
      return manifest;
    },
    async blob(ref, digest) {
      const url = `${base(ref)}/blobs/${digest}`;
      const res = await get(ref, url);
      if (!res.ok || res.body === null)
        throw await statusFailure(ref, url, res, `the blob ${digest}`);
      return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
    },
  };
}

function failure(ref: ImageReference, url: string, why: string, cause?: unknown): RestackError {
  return new RestackError(
    'INVENTORY_REGISTRY_FAILED',
    `reading ${ref.name} from ${ref.domain}: ${why}`,
    {
      where: url,
      cause,
      fix: 'check that the registry is reachable, the image exists, and restack has credentials for it',
    },
  );
}

async function statusFailure(
  ref: ImageReference,
  url: string,
  res: Response,
  what: string,
): Promise<RestackError> {
  const text = (await res.text().catch(() => '')).slice(0, 300);
  const code = res.status === 404 ? 'INVENTORY_NOT_FOUND' : 'INVENTORY_REGISTRY_FAILED';
  return new RestackError(
    code,
    `reading ${ref.name} from ${ref.domain}: ${what} answered HTTP ${res.status} ${text}`.trim(),
    {
      where: url,
      fix:
        res.status === 404
          ? 'check the image reference; the registry does not have it'
          : res.status === 401 || res.status === 403
            ? 'give restack credentials that may pull this repository'
            : 'retry once the registry is healthy',
    },
  );
}
