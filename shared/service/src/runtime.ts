import {
  connectBus,
  restackTopology,
  type Bus,
  type Consumption,
  type NatsConnectionInput,
  type Responder,
  type StreamOptionsInput,
} from '@restack/bus';
import { createLogger, errorMessage, type Logger } from '@restack/core';
import type { Registry } from 'prom-client';
import type { ServiceContext, ServiceDefinition, StopWork } from './definition.js';
import { startHttpServer, type HttpEndpoint, type HttpSettings } from './http.js';
import { createMetrics } from './metrics.js';

export interface RuntimeOptions {
  /** Process name: the NATS client name and the logger's `service`. */
  name: string;
  // Services differ in their ports type; the runtime never looks inside them.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  services: readonly ServiceDefinition<any>[];
  nats?: NatsConnectionInput;
  streams?: StreamOptionsInput;
  logger?: Logger;
  /** Where /livez, /readyz and /metrics listen; omit for none. */
  http?: HttpSettings;
  /** Upper bound for stop(): in-flight handlers, then the NATS drain. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** On SIGTERM/SIGINT stop and exit the process; also exit 1 if start-up fails. Default true. */
  handleSignals?: boolean;
  /** See BusOptions.pullExpiresMs. */
  pullExpiresMs?: number;
}

export interface Runtime {
  readonly name: string;
  readonly log: Logger;
  readonly metrics: Registry;
  /** Resolves once connected, the topology exists and every service runs; rejects if start-up fails. */
  readonly ready: Promise<void>;
  isReady(): boolean;
  /** The shared connection, once it exists. */
  bus(): Bus | undefined;
  http(): HttpEndpoint | undefined;
  /** Stops taking work, finishes handlers in flight, drains NATS. False when it ran out of time. */
  stop(reason?: string): Promise<boolean>;
}

interface Running {
  consumptions: Consumption[];
  responders: Responder[];
  stops: StopWork[];
}

async function startServices(
  bus: Bus,
  services: RuntimeOptions['services'],
  log: Logger,
  signal: AbortSignal,
  running: Running,
  metrics: Registry,
): Promise<void> {
  for (const service of services) {
    if (signal.aborted) return;
    const ctx: ServiceContext = {
      name: service.name,
      bus,
      log: log.child({ service: service.name }),
      signal,
      metrics,
    };
    const ports: unknown = service.setup ? await service.setup(ctx) : undefined;
    for (const e of service.endpoints ?? []) {
      running.responders.push(bus.serve(e.endpoint, (request) => e.answer(request, ports)));
    }
    for (const h of service.handlers ?? []) {
      running.consumptions.push(
        await bus.consume(h.consumer, (event, hctx) => h.handle(event, hctx, ports)),
      );
    }
    const stop = service.start ? await service.start(ctx, ports) : undefined;
    if (stop) running.stops.push(stop);
    ctx.log.info({ handlers: service.handlers?.length ?? 0 }, 'service started');
  }
}

function timeout(ms: number): Promise<false> {
  return new Promise((resolve) => setTimeout(() => resolve(false), ms).unref());
}

/**
 * Runs services in this process over one NATS connection and one HTTP
 * server: `restack up` passes all of them, a deployment passes one.
 * Returns as soon as HTTP listens; `ready` says when work starts.
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const log = options.logger ?? createLogger({ name: options.name });
  const metrics = createMetrics();
  const stopping = new AbortController();
  const running: Running = { consumptions: [], responders: [], stops: [] };
  let bus: Bus | undefined;
  let started = false;

  const notReady = (): string[] => {
    const reasons: string[] = [];
    if (stopping.signal.aborted) reasons.push('stopping');
    if (!bus) reasons.push('nats not connected yet');
    else if (!bus.isConnected()) reasons.push('nats disconnected');
    if (!started) reasons.push('topology or services not started');
    return reasons;
  };
  const http = options.http
    ? await startHttpServer(options.http, { registry: metrics.registry, notReady }, log)
    : undefined;

  const ready = (async () => {
    bus = await connectBus({
      name: options.name,
      logger: log,
      observer: metrics.observer,
      signal: stopping.signal,
      ...(options.nats ? { connection: options.nats } : {}),
      ...(options.pullExpiresMs ? { pullExpiresMs: options.pullExpiresMs } : {}),
    });
    const parts = options.services.map((s) => ({
      consumers: (s.handlers ?? []).map((h) => h.consumer),
      buckets: s.buckets ?? [],
    }));
    await bus.ensureTopology(restackTopology(options.streams ?? {}, parts));
    const connected = bus;
    metrics.trackConsumers(
      parts.flatMap((p) => p.consumers.map((c) => c.durable)),
      (durable) => connected.consumerState(durable),
    );
    await startServices(
      connected,
      options.services,
      log,
      stopping.signal,
      running,
      metrics.registry,
    );
    if (!stopping.signal.aborted) {
      started = true;
      log.info({ services: options.services.map((s) => s.name) }, 'ready');
    }
  })();

  let stopped: Promise<boolean> | undefined;
  function stop(reason = 'requested'): Promise<boolean> {
    stopped ??= (async () => {
      log.info({ reason }, 'stopping');
      stopping.abort();
      started = false;
      const work = (async () => {
        await ready.catch(() => undefined);
        await Promise.allSettled(running.stops.map(async (s) => s()));
        // bus.close stops pulling, waits for handlers in flight and drains.
        await bus?.close();
      })();
      const clean = await Promise.race([
        work.then(() => true),
        timeout(options.shutdownTimeoutMs ?? 10_000),
      ]);
      if (!clean) {
        log.error(
          { inFlight: running.consumptions.reduce((n, c) => n + c.inFlight(), 0) },
          'shutdown timed out',
        );
        await bus?.connection.close().catch(() => undefined);
      }
      await http?.close();
      removeSignals();
      log.info({ clean }, 'stopped');
      return clean;
    })();
    return stopped;
  }

  const onSignal = (signal: NodeJS.Signals): void => {
    void stop(signal).then((clean) => process.exit(clean ? 0 : 1));
  };
  const handleSignals = options.handleSignals ?? true;
  function removeSignals(): void {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
  }
  if (handleSignals) {
    // once: a second signal gets Node's default and ends the process at once.
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  ready.catch((e: unknown) => {
    if (stopping.signal.aborted) return;
    log.error({ err: errorMessage(e) }, 'start-up failed');
    void stop('start-up failed').then(() => {
      if (handleSignals) process.exit(1);
    });
  });

  return {
    name: options.name,
    log,
    metrics: metrics.registry,
    ready,
    isReady: () => notReady().length === 0,
    bus: () => bus,
    http: () => http,
    stop,
  };
}

/** One service in its own runtime: the shape of a single-service deployment. */
export function startService<P>(
  service: ServiceDefinition<P>,
  options: Omit<RuntimeOptions, 'services' | 'name'> & { name?: string },
): Promise<Runtime> {
  return startRuntime({ ...options, name: options.name ?? service.name, services: [service] });
}
