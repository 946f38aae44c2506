import { silentLogger, type Logger } from '@restack/core';
import Docker from 'dockerode';
import { runBuild } from './engine-build.js';
import { engineError } from './engine-errors.js';
import { runPush } from './engine-push.js';
import type { EngineEndpoint } from './engine-url.js';
import type { EngineInfo, ImageDetails, ImageEngine } from './port.js';
import { imageInspectSchema, versionSchema } from './schema.js';
import { createSemaphore } from './semaphore.js';

export interface DockerodeEngineOptions {
  /** From `parseEngineUrl` or `resolveEngineUrl`. */
  endpoint: EngineEndpoint;
  logger?: Logger;
  /** Builds running at once; the rest wait. Default 2. */
  concurrency?: number;
  /** Default 30 minutes. */
  buildTimeoutMs?: number;
  /** Default 10 minutes. */
  pushTimeoutMs?: number;
  /**
   * Asks the registry for a pushed reference's digest when the engine's push
   * stream does not say it (e.g. a HEAD through @restack/registry).
   */
  resolveDigest?: (reference: string) => Promise<string | null>;
}

const DEFAULT_BUILD_TIMEOUT_MS = 30 * 60_000;
const DEFAULT_PUSH_TIMEOUT_MS = 10 * 60_000;

/** The ImageEngine port over dockerode: Docker, or podman's Docker-compatible API. */
export function createDockerodeEngine(options: DockerodeEngineOptions): ImageEngine {
  const { endpoint } = options;
  const docker =
    endpoint.kind === 'unix'
      ? new Docker({ socketPath: endpoint.socketPath })
      : new Docker({ host: endpoint.host, port: endpoint.port, protocol: 'http' });
  const logger = (options.logger ?? silentLogger()).child({ engine: endpoint.url });
  const builds = createSemaphore(options.concurrency ?? 2);
  const buildDeps = {
    docker,
    endpoint,
    logger,
    buildTimeoutMs: options.buildTimeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS,
  };
  const pushDeps = {
    docker,
    endpoint,
    logger,
    pushTimeoutMs: options.pushTimeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS,
    ...(options.resolveDigest ? { resolveDigest: options.resolveDigest } : {}),
  };

  async function call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw engineError(e, endpoint, doing);
    }
  }

  return {
    ping: () =>
      call('checking that it answers', async () => {
        await docker.ping();
        return engineInfo(await docker.version());
      }),
    build: (request) => builds.run(() => runBuild(buildDeps, request)),
    push: (request) => runPush(pushDeps, request),
    inspect: (reference) =>
      call(`inspecting ${reference}`, async () => {
        try {
          return imageDetails(await docker.getImage(reference).inspect());
        } catch (e) {
          if (statusOf(e) === 404) return null;
          throw e;
        }
      }),
    remove: (reference, opts = {}) =>
      call(`removing ${reference}`, async () => {
        try {
          await docker.getImage(reference).remove({ force: opts.force ?? false });
          logger.debug({ image: reference }, 'image removed');
          return true;
        } catch (e) {
          if (statusOf(e) === 404) return false;
          throw e;
        }
      }),
  };
}

function statusOf(e: unknown): number | null {
  const status = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : null;
}

function engineInfo(raw: unknown): EngineInfo {
  const v = versionSchema.parse(raw);
  const podman = (v.Components ?? []).some((c) => /podman/i.test(c.Name));
  const docker = (v.Components ?? []).some((c) => c.Name === 'Engine');
  return {
    kind: podman ? 'podman' : docker ? 'docker' : 'unknown',
    version: v.Version,
    apiVersion: v.ApiVersion,
  };
}

function imageDetails(raw: unknown): ImageDetails {
  const i = imageInspectSchema.parse(raw);
  return {
    id: i.Id,
    repoTags: i.RepoTags ?? [],
    labels: { ...(i.Config?.Labels ?? {}) },
    diffIds: i.RootFS?.Layers ?? [],
    os: i.Os ?? '',
    architecture: i.Architecture ?? '',
    created: i.Created ?? null,
  };
}
