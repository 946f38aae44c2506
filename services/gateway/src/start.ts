import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Bus, BusObserver } from '@restack/bus';
import type { LoadedConfig } from '@restack/config';
import { RestackError, errorMessage, type Logger } from '@restack/core';
import { loadCatalog, type Catalog } from '@restack/eol';
import type { Registry } from 'prom-client';
import { apiRoutes } from './api.js';
import {
  busDeadLetterSource,
  busTriggerSink,
  followEvents,
  type EventFollower,
} from './bus-adapters.js';
import { kvCampaignSource } from './campaign-kv.js';
import { createCampaignProjection } from './campaign-projection.js';
import { busGraphSource, configGraphSource } from './graph-source.js';
import { createImageProjection } from './image-projection.js';
import { createImageSource } from './images.js';
import { createGatewayMetrics } from './metrics.js';
import type { CampaignSource, DigestResolver, GatewayPorts, GraphSource } from './ports.js';
import type { MountedRoute } from './router.js';
import { assertMountable, createGatewayServer, routeTable } from './server.js';
import { DEFAULT_GATEWAY_PORT } from './schema.js';
import { OPENAPI_FILE, loadStatic } from './static.js';

export interface GatewayOptions {
  /** Events, KV, queries and dead letters; without it the gateway serves the graph from `config` only. */
  bus?: Bus;
  /** The loaded restack.yaml: the graph is computed from it when the graph service does not answer. */
  config?: LoadedConfig;
  logger: Logger;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (the API carries a trigger); 0.0.0.0 to expose it. */
  host?: string;
  /** The bearer token for state-changing calls (the value, read from gateway.apiTokenEnv). */
  token?: string;
  /** Webhook routes of other services, served on the same port. */
  routes?: readonly MountedRoute[];
  /** Share a registry (and its bus observer) so one /metrics covers every service. */
  metrics?: { registry: Registry; observer?: BusObserver };
  /** Replace a port, e.g. the campaign source once the dispatcher's KV adapter exists. */
  ports?: Partial<GatewayPorts>;
  resolveDigest?: DigestResolver;
  /** Extra reasons not to be ready, e.g. `restack up`'s runtime still starting. */
  notReady?: () => string[];
  /** The dispatcher's campaign bucket; default `restack-campaigns`. */
  campaignBucket?: string;
  now?: () => Date;
}

export interface Gateway {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  /** Resolves once the read models have replayed what the stream held at start. */
  readonly caughtUp: Promise<void>;
  mount(route: MountedRoute): void;
  routes(): { method: string; path: string }[];
  close(): Promise<void>;
}

function emptyGraph(): GraphSource {
  const none = new RestackError(
    'GATEWAY_NO_GRAPH',
    'no graph source: neither a bus nor a config was given',
    {
      fix: 'start the gateway with a config or with the graph service on the bus',
    },
  );
  return { graph: () => Promise.reject(none), plan: () => Promise.reject(none) };
}

/** Starts the gateway: API, dashboard, probes and metrics, and the mounted webhooks. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const log = options.logger.child({ component: 'gateway' });
  const now = options.now ?? (() => new Date());
  const metrics = createGatewayMetrics(options.metrics);
  const { bus } = options;

  const local = options.config ? configGraphSource(options.config) : undefined;
  const graph =
    options.ports?.graph ?? (bus ? busGraphSource(bus, local, log) : (local ?? emptyGraph()));
  const campaignsView = createCampaignProjection();
  const facts = createImageProjection();
  let catalog: Catalog | null = null;
  try {
    catalog = await loadCatalog();
  } catch (e) {
    log.warn({ err: errorMessage(e) }, 'end-of-life catalog unavailable; eol columns stay empty');
  }
  const projected: CampaignSource = {
    list: async () => campaignsView.list(),
    get: async (id) => campaignsView.get(id),
  };
  const campaigns =
    options.ports?.campaigns ??
    (bus ? kvCampaignSource(bus, projected, log, options.campaignBucket) : projected);
  const trigger = options.ports?.trigger ?? (bus ? busTriggerSink(bus, now) : undefined);
  const ports: GatewayPorts = {
    graph,
    campaigns,
    images: options.ports?.images ?? createImageSource({ graph, facts, catalog, now }),
    deadLetters:
      options.ports?.deadLetters ?? (bus ? busDeadLetterSource(bus) : { list: async () => [] }),
    ...(trigger ? { trigger } : {}),
    ...(options.resolveDigest ? { resolveDigest: options.resolveDigest } : {}),
  };

  let follower: EventFollower | undefined;
  if (bus) {
    follower = await followEvents(
      bus,
      (event) => {
        campaignsView.apply(event);
        facts.apply(event);
        if (event.type === 'restack.graph.updated') local?.invalidate();
      },
      log,
      metrics.observer,
    );
  }

  const mounts: MountedRoute[] = [];
  const routes = apiRoutes({ ports, log, published: (type) => metrics.observer.published?.(type) });
  const server = createGatewayServer({
    routes,
    mounts,
    files: await loadStatic(),
    openapi: await readFile(OPENAPI_FILE),
    token: options.token,
    metrics,
    log,
    notReady: () => [
      ...(bus && !bus.isConnected() ? ['nats disconnected'] : []),
      ...(options.notReady?.() ?? []),
    ],
  });
  for (const r of options.routes ?? []) {
    assertMountable(r, mounts);
    mounts.push(r);
  }
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_GATEWAY_PORT;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(
        new RestackError(
          'HTTP_LISTEN_FAILED',
          `gateway cannot listen on ${host}:${port}: ${cause.message}`,
          {
            cause,
            where: `${host}:${port}`,
            fix: 'choose a free port with gateway.port',
          },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  log.info(
    { url, mounts: mounts.map((m) => m.name), tokenConfigured: Boolean(options.token) },
    'gateway listening',
  );
  let closing: Promise<void> | undefined;
  return {
    url,
    port: bound,
    caughtUp: follower?.caughtUp ?? Promise.resolve(),
    mount(route) {
      assertMountable(route, mounts);
      mounts.push(route);
    },
    routes: () => routeTable({ routes, mounts }),
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await follower?.stop();
      })();
      return closing;
    },
  };
}
