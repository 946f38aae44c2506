import { silentLogger, type Logger } from '@restack/core';
import { formatReference, type ImageReference } from '@restack/reference';
import type { Registry as PromRegistry } from 'prom-client';
import { createApi } from './api.js';
import { createDockerCredentialStore, type CredentialStore } from './docker-config.js';
import { failure, success, type RegistryResult } from './failure.js';
import { readImageConfig, type ImageConfigInfo, type ImageConfigOptions } from './image-config.js';
import { createRequestCounter, type RequestCount, type RequestFilter } from './metrics.js';
import { createReads, type FetchedManifest, type ResolveOptions } from './reads.js';
import { registriesSchema, type RegistriesSettings } from './schema.js';
import { lookupText, manifestReference, toReference, type ReferenceInput } from './target.js';
import { listTags } from './tags.js';
import { blobExists, mountBlob, putManifest } from './writes.js';

export interface RegistryClientOptions {
  /** The `registries:` map of restack.yaml (validated again here). */
  registries?: RegistriesSettings;
  logger?: Logger;
  /** Registers `restack_registry_requests_total{registry,method,status}` here when given. */
  metrics?: PromRegistry;
  /** Where DOCKER_CONFIG, HOME and PATH (for credential helpers) come from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Replaces Docker's config.json as the source of credentials. */
  credentials?: CredentialStore;
  /** Clock for token expiry (tests move it past a token's life). Default Date.now. */
  tokenClock?: () => number;
}

export interface ResolvedImage {
  /** What was looked up, normalised: `docker.io/library/debian:12`. */
  ref: string;
  digest: string;
  mediaType: string | null;
  /** `{"linux/amd64": "sha256:..."}` for an image index, null for a single image. */
  platforms: Record<string, string> | null;
  config?: ImageConfigInfo;
}

export interface ResolveRequest extends ResolveOptions {
  /** Also read the config blob (for an index: of this platform, default linux/amd64). */
  config?: boolean | ImageConfigOptions;
}

export interface RegistryClient {
  /** The current digest of a tag (or checks a digest), HEAD first. Never throws. */
  resolve(ref: ReferenceInput, options?: ResolveRequest): Promise<RegistryResult<ResolvedImage>>;
  /** GETs a manifest, verified against its digest. */
  fetchManifest(ref: ReferenceInput): Promise<RegistryResult<FetchedManifest>>;
  imageConfig(
    ref: ReferenceInput,
    options?: ImageConfigOptions,
  ): Promise<RegistryResult<ImageConfigInfo>>;
  listTags(repository: ReferenceInput): Promise<RegistryResult<string[]>>;
  /** PUTs a manifest under the reference's tag; returns its digest. */
  putManifest(
    ref: ReferenceInput,
    manifest: Uint8Array | string,
    mediaType?: string,
  ): Promise<RegistryResult<{ digest: string }>>;
  /** Mounts a blob from another repository of the same registry. */
  mountBlob(
    repository: ReferenceInput,
    digest: string,
    from: ReferenceInput,
  ): Promise<RegistryResult<{ mounted: boolean }>>;
  blobExists(repository: ReferenceInput, digest: string): Promise<RegistryResult<boolean>>;
  /** Requests sent so far, by kind, registry, method and status. */
  requestCounts(): RequestCount[];
  /** How many API requests (or token requests, with `kind: 'token'`) match. */
  requestCount(filter?: RequestFilter): number;
  /** Closes idle keep-alive connections. */
  close(): void;
}

/**
 * The OCI distribution client: one object per process, built once with
 * every registry's politeness settings, credentials and metrics.
 */
export function createRegistryClient(options: RegistryClientOptions = {}): RegistryClient {
  const registries = registriesSchema.parse(options.registries ?? {});
  const counter = createRequestCounter(options.metrics);
  const logger = options.logger ?? silentLogger();
  const api = createApi({
    registries,
    credentials: options.credentials ?? createDockerCredentialStore(options.env ?? process.env),
    counter,
    logger,
    tokenClock: options.tokenClock ?? Date.now,
  });
  const reads = createReads(api);

  /** Runs `fn` on the parsed reference and turns any failure into a value. */
  async function guard<T>(
    input: ReferenceInput,
    fn: (ref: ImageReference) => Promise<T>,
  ): Promise<RegistryResult<T>> {
    let ref: ImageReference | null = null;
    try {
      ref = toReference(input);
      return success(await fn(ref));
    } catch (e) {
      const subject = ref ? formatReference(ref) : String(input);
      return failure(e, ref ? api.keyOf(ref.domain) : '', subject);
    }
  }

  return {
    async resolve(input, opts = {}) {
      const result = await guard(input, async (ref) => {
        const r = await reads.resolve(ref, opts);
        const out: ResolvedImage = { ref: lookupText(ref), ...r };
        if (opts.config) {
          const configOptions = typeof opts.config === 'object' ? opts.config : {};
          out.config = await readImageConfig(api, reads, ref, r.digest, configOptions);
        }
        return out;
      });
      if (!result.ok && result.kind !== 'missing') {
        const { registry } = result.error;
        const ref = result.error.where;
        logger.warn(
          { registry, ref, kind: result.kind, status: result.status },
          'digest lookup failed',
        );
      }
      return result;
    },
    fetchManifest: (input) =>
      guard(input, (ref) => reads.getManifest(ref, ref.digest ?? manifestReference(ref))),
    imageConfig: (input, opts = {}) =>
      guard(input, (ref) =>
        readImageConfig(api, reads, ref, ref.digest ?? manifestReference(ref), opts),
      ),
    listTags: (input) => guard(input, (ref) => listTags(api, ref)),
    putManifest: (input, manifest, mediaType) =>
      guard(input, (ref) =>
        putManifest(
          api,
          ref,
          typeof manifest === 'string' ? Buffer.from(manifest) : manifest,
          mediaType,
        ),
      ),
    mountBlob: (input, digest, from) =>
      guard(input, (ref) => mountBlob(api, ref, digest, toReference(from))),
    blobExists: (input, digest) => guard(input, (ref) => blobExists(api, ref, digest)),
    requestCounts: () => counter.counts(),
    requestCount: (filter) => counter.total(filter),
    close: () => api.close(),
  };
}
