import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { errorMessage, type Logger } from '@restack/core';
import type { DeadLetter, EventType, RestackEvent } from '@restack/events';
import type { z } from 'zod';
import { connectNats } from './connect.js';
import { startConsumer, type BusObserver, type Consumption, type EventHandler } from './consume.js';
import { listDeadLetters } from './dead-letter.js';
import { applyTopology, type TopologyReport } from './ensure-topology.js';
import { assertBucket, typedKv, type TypedKv } from './kv.js';
import { LEASE_BUCKET, leaseStateSchema, leases, type Leases } from './lease.js';
import { publishEvent, type PublishAck, type PublishOptions } from './publish.js';
import { requestEndpoint, serveEndpoint, type Endpoint, type Responder } from './rpc.js';
import type { NatsConnectionInput } from './schema.js';
import { EVENTS_STREAM, type ConsumerSpec, type Topology } from './topology.js';
import { whileRecovering } from './recover.js';

export interface BusOptions {
  /** Client name, shown by nats-server's monitoring. */
  name: string;
  connection?: NatsConnectionInput;
  logger: Logger;
  observer?: BusObserver;
  /** Aborting stops the first-connection retry loop. */
  signal?: AbortSignal;
  /** Attempts at the first connection before giving up. Default: forever. */
  maxInitialAttempts?: number;
  /** How long one pull waits on the server (at least 1000); stopping a consumer may wait this long. Default 5000. */
  pullExpiresMs?: number;
}

export interface ConsumerState {
  /** Messages the consumer has not received yet (its lag). */
  pending: number;
  /** Delivered but not acked yet. */
  ackPending: number;
  redelivered: number;
}

/** The port every service uses for NATS: events, KV, leases and queries. */
export interface Bus {
  readonly name: string;
  /** The underlying connection, for adapters that need NATS itself. */
  readonly connection: NatsConnection;
  isConnected(): boolean;
  ensureTopology(topology: Topology): Promise<TopologyReport>;
  publish(event: RestackEvent, options?: PublishOptions): Promise<PublishAck>;
  consume<T extends EventType>(
    spec: ConsumerSpec<T>,
    handler: EventHandler<T>,
  ): Promise<Consumption>;
  consumerState(durable: string): Promise<ConsumerState>;
  kv<T>(bucket: string, schema: z.ZodType<T>): Promise<TypedKv<T>>;
  leases(options?: { bucket?: string; clock?: () => number }): Promise<Leases>;
  serve<Req, Res>(
    endpoint: Endpoint<Req, Res>,
    handler: (request: Req) => Promise<Res> | Res,
  ): Responder;
  request<Req, Res>(endpoint: Endpoint<Req, Res>, payload: Req, timeoutMs?: number): Promise<Res>;
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** Stops every consumer and responder started here, then drains the connection. */
  close(): Promise<void>;
}

export async function connectBus(options: BusOptions): Promise<Bus> {
  const log = options.logger;
  const link = await connectNats({
    name: options.name,
    log,
    ...(options.connection ? { connection: options.connection } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.maxInitialAttempts ? { maxInitialAttempts: options.maxInitialAttempts } : {}),
  });
  const nc = link.nc;
  const js: JetStreamClient = jetstream(nc);
  let manager: JetStreamManager | undefined;
  const jsm = (): Promise<JetStreamManager> =>
    whileRecovering(async () => (manager ??= await jetstreamManager(nc)));
  /** A declared bucket, opened once nats-server answers. */
  const openKv = async (bucket: string) => {
    await assertBucket(await jsm(), bucket);
    return whileRecovering(() => new Kvm(js).open(bucket));
  };
  const observer = options.observer ?? {};
  const consumptions = new Set<Consumption>();
  const responders = new Set<Responder>();
  let closing: Promise<void> | undefined;

  return {
    name: options.name,
    connection: nc,
    isConnected: link.isConnected,
    // Idempotent, so it is simply run again when nats-server is coming back.
    ensureTopology: (topology) => whileRecovering(() => applyTopology(nc, topology, log)),
    async publish(event, publishOptions) {
      const ack = await publishEvent(js, event, publishOptions);
      observer.published?.(event.type);
      return ack;
    },
    async consume(spec, handler) {
      const c = await startConsumer(
        {
          js,
          log,
          observer,
          // nats.js refuses pulls that expire in under a second.
          pullExpiresMs: Math.max(1_000, options.pullExpiresMs ?? 5_000),
          isClosed: () => nc.isClosed(),
        },
        spec,
        handler,
      );
      consumptions.add(c);
      return {
        durable: c.durable,
        inFlight: c.inFlight,
        stop: () => c.stop().finally(() => consumptions.delete(c)),
      };
    },
    async consumerState(durable) {
      const info = await (await jsm()).consumers.info(EVENTS_STREAM, durable);
      return {
        pending: info.num_pending,
        ackPending: info.num_ack_pending,
        redelivered: info.num_redelivered,
      };
    },
    async kv(bucket, schema) {
      return typedKv(await openKv(bucket), bucket, schema);
    },
    async leases(leaseOptions = {}) {
      const bucket = leaseOptions.bucket ?? LEASE_BUCKET.name;
      return leases(typedKv(await openKv(bucket), bucket, leaseStateSchema), leaseOptions.clock);
    },
    serve(endpoint, handler) {
      const r = serveEndpoint(nc, endpoint, handler, log);
      responders.add(r);
      return { subject: r.subject, stop: () => r.stop().finally(() => responders.delete(r)) };
    },
    request: (endpoint, payload, timeoutMs) => requestEndpoint(nc, endpoint, payload, timeoutMs),
    deadLetters: async (limit) => listDeadLetters(await jsm(), limit),
    close() {
      closing ??= (async () => {
        await Promise.allSettled([...consumptions].map((c) => c.stop()));
        await Promise.allSettled([...responders].map((r) => r.stop()));
        if (!nc.isClosed()) {
          // drain flushes pending acks; if it fails the connection is closed anyway.
          await nc.drain().catch(async (e: unknown) => {
            log.warn({ err: errorMessage(e) }, 'nats drain failed; closing');
            await nc.close();
          });
        }
        log.info({}, 'nats connection closed');
      })();
      return closing;
    },
  };
}
