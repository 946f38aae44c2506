import type { ConsumerSpec } from '@restack/bus';
import { createDockerodeEngine, parseEngineUrl, resolveEngineUrl } from '@restack/engine';
import {
  buildTarget,
  engineCredentials,
  firstSource,
  githubRepositories,
  type GitHubSourceOptions,
  type RepositorySources,
  type TarballPort,
} from '@restack/rebuild';
import {
  createDockerCredentialStore,
  createRegistryClient,
  type CredentialStore,
  type RegistriesSettings,
} from '@restack/registry';
import { defineService, on, type ServiceDefinition } from '@restack/service';
import { handleBuildRequested } from './handler.js';
import type { BuilderPorts } from './ports.js';
import { BUILDS_BUCKET, buildRecordSchema, kvBuildRecords } from './records.js';
import { catalogSettings, type CatalogImage } from './settings.js';
import { singleFlight } from './single-flight.js';

export { handleBuildRequested } from './handler.js';
export type {
  BuildRecord,
  BuildRecords,
  BuilderPorts,
  Delivery,
  ImageBuildSettings,
} from './ports.js';
export { BUILDS_BUCKET, buildKey, buildRecordSchema, kvBuildRecords } from './records.js';
export type { StoredBuild } from './records.js';
export { catalogSettings } from './settings.js';
export type { CatalogImage } from './settings.js';

export const builderConsumer = {
  durable: 'builder',
  subjects: ['restack.build.requested'],
  // A build runs for minutes; the bus tells the server it is still working every ackWait/2.
  ackWaitMs: 60_000,
  maxAttempts: 5,
  backoff: { initialMs: 2_000, maxMs: 60_000 },
} satisfies ConsumerSpec<'restack.build.requested'>;

export interface BuilderOptions {
  /** `unix:///path` or `tcp://host:port`; default DOCKER_HOST, then the usual sockets. */
  engine?: string;
  /** Builds at once in this process (the consumer's and the engine's limit). Default 2. */
  concurrency?: number;
  /** Default 30 minutes. */
  buildTimeoutMs?: number;
  /** Repositories the builder can read (owner/name -> how to open them). */
  sources: RepositorySources;
  /**
   * GitHub (a GitHubPort): repositories `sources` does not know are built
   * from GitHub's tarball of the requested revision.
   */
  github?: TarballPort;
  /** For the GitHub source: the web URL for the `source` label (GHES). */
  githubSource?: GitHubSourceOptions;
  /** restack.yaml `images[]`: build args, target and platform per image. */
  images?: readonly CatalogImage[];
  /** restack.yaml `registries:`. */
  registries?: RegistriesSettings;
  /** Default Docker's config.json. */
  credentials?: CredentialStore;
  clock?: () => Date;
}

/**
 * The builder as a service definition: consumes restack.build.requested,
 * sends restack.build.completed and restack.image.rebuilt (or
 * restack.build.failed), and owns the done-builds bucket.
 */
export function builderService(options: BuilderOptions): ServiceDefinition<BuilderPorts> {
  const concurrency = options.concurrency ?? 2;
  const once = singleFlight<Awaited<ReturnType<typeof handleBuildRequested>>>();
  const handle = on(
    { ...builderConsumer, concurrency },
    async (event, ctx, ports: BuilderPorts) => {
      // The same campaign and target twice in this process: the second waits for the first's events.
      const key = `${event.data.campaignId}\n${event.data.targetId}`;
      const events = await once(key, () => handleBuildRequested(event, ports, ctx));
      for (const e of events) await ports.publish(e);
    },
  );
  return defineService<BuilderPorts>({
    name: 'builder',
    buckets: [BUILDS_BUCKET],
    handlers: [handle],
    async setup(ctx) {
      const credentials = options.credentials ?? createDockerCredentialStore(process.env);
      const registry = createRegistryClient({
        registries: options.registries ?? {},
        credentials,
        logger: ctx.log,
      });
      const endpoint = options.engine ? parseEngineUrl(options.engine) : resolveEngineUrl();
      const engine = createDockerodeEngine({
        endpoint,
        logger: ctx.log,
        concurrency,
        ...(options.buildTimeoutMs ? { buildTimeoutMs: options.buildTimeoutMs } : {}),
        resolveDigest: async (reference) => {
          const found = await registry.resolve(reference);
          return found.ok ? found.value.digest : null;
        },
      });
      const deps = { engine, credentials: engineCredentials(credentials) };
      return {
        build: (request) => buildTarget(deps, request),
        sources: options.github
          ? firstSource(options.sources, githubRepositories(options.github, options.githubSource))
          : options.sources,
        previousDigest: async (reference) => {
          const found = await registry.resolve(reference);
          if (found.ok) return found.value.digest;
          if (found.kind === 'missing') return null;
          ctx.log.warn({ reference, reason: found.reason }, 'previous digest unknown');
          return undefined;
        },
        currentImage: async (reference) => {
          const found = await registry.imageConfig(reference);
          if (found.ok) return { digest: found.value.manifestDigest, labels: found.value.labels };
          return found.kind === 'missing' ? null : undefined;
        },
        settings: catalogSettings(options.images ?? []),
        records: kvBuildRecords(await ctx.bus.kv(BUILDS_BUCKET.name, buildRecordSchema)),
        publish: async (event) => void (await ctx.bus.publish(event)),
        clock: options.clock ?? (() => new Date()),
      };
    },
  });
}
