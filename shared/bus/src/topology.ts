import { RestackError } from '@restack/core';
import {
  DEAD_LETTER_SUBJECTS,
  EVENT_SUBJECTS,
  type EventType,
  type RestackEvent,
} from '@restack/events';
import type { BackoffOptions } from './backoff.js';
import { LEASE_BUCKET } from './lease.js';
import { streamOptionsSchema, type StreamOptionsInput } from './schema.js';

/** The stream every event goes through. */
export const EVENTS_STREAM = 'RESTACK';
/** Where consumers put what they give up on, for the dashboard. */
export const DEAD_LETTER_STREAM = 'RESTACK_DLQ';

export interface StreamSpec {
  name: string;
  subjects: readonly string[];
  maxAgeMs: number;
  duplicateWindowMs: number;
  replicas: number;
  description?: string;
}

/**
 * A durable pull consumer on RESTACK. The same object declares it in the
 * topology and drives `bus.consume`, so the two cannot drift apart.
 */
export interface ConsumerSpec<T extends EventType = EventType> {
  /** Durable name; every replica using it shares the work. */
  durable: string;
  /** Event types to receive. */
  subjects: readonly T[];
  /** How long the server waits for an ack before redelivering; handlers in flight extend it. Default 30 s. */
  ackWaitMs?: number;
  /** Deliveries before a failing message goes to the dead-letter subject (JetStream's max_deliver). Default 5. */
  maxAttempts?: number;
  /** Back-off between failed attempts. Default 1 s doubling to 60 s, with jitter. */
  backoff?: BackoffOptions;
  /** Handlers this process runs at once for this consumer. Default 1. */
  concurrency?: number;
  /**
   * With concurrency above 1: events with the same key are handled one after
   * another, in delivery order (within this process; replicas are kept apart
   * by compare-and-set as ever).
   */
  orderKey?(event: RestackEvent): string | undefined;
  /** Unacked messages across all replicas. Default 1000 (server default). */
  maxAckPending?: number;
  /** `all` replays what the stream still holds when the consumer is first created; `new` skips it. Default all. */
  deliverFrom?: 'all' | 'new';
}

export interface BucketSpec {
  /** Bucket name: letters, digits, `-` and `_`. */
  name: string;
  /** Revisions kept per key (1 to 64). Default 1. */
  history?: number;
  /** Entries older than this disappear. Default: never. */
  ttlMs?: number;
  replicas?: number;
  description?: string;
}

export interface Topology {
  streams: readonly StreamSpec[];
  consumers: readonly ConsumerSpec[];
  buckets: readonly BucketSpec[];
}

export interface TopologyPart {
  consumers?: readonly ConsumerSpec[];
  buckets?: readonly BucketSpec[];
}

/** RESTACK on every event subject, and RESTACK_DLQ on the dead-letter subjects. */
export function restackStreams(options: StreamOptionsInput = {}): StreamSpec[] {
  const o = streamOptionsSchema.parse(options);
  return [
    {
      name: EVENTS_STREAM,
      subjects: [EVENT_SUBJECTS],
      maxAgeMs: o.maxAgeMs,
      duplicateWindowMs: o.duplicateWindowMs,
      replicas: o.replicas,
      description: 'restack events',
    },
    {
      name: DEAD_LETTER_STREAM,
      subjects: [DEAD_LETTER_SUBJECTS],
      maxAgeMs: o.deadLetterMaxAgeMs,
      duplicateWindowMs: o.duplicateWindowMs,
      replicas: o.replicas,
      description: 'restack dead letters',
    },
  ];
}

function sameConsumer(a: ConsumerSpec, b: ConsumerSpec): boolean {
  return (
    [...a.subjects].sort().join(',') === [...b.subjects].sort().join(',') &&
    a.ackWaitMs === b.ackWaitMs &&
    a.maxAckPending === b.maxAckPending &&
    a.deliverFrom === b.deliverFrom
  );
}

function sameBucket(a: BucketSpec, b: BucketSpec): boolean {
  return a.history === b.history && a.ttlMs === b.ttlMs && a.replicas === b.replicas;
}

function mergeByName<T>(
  items: readonly T[],
  nameOf: (item: T) => string,
  same: (a: T, b: T) => boolean,
  kind: string,
): T[] {
  const byName = new Map<string, T>();
  for (const item of items) {
    const name = nameOf(item);
    const known = byName.get(name);
    if (known && !same(known, item)) {
      throw new RestackError(
        'TOPOLOGY_CONFLICT',
        `${kind} ${name} is declared twice with different settings`,
        {
          where: `${kind} ${name}`,
          fix: `declare ${kind} ${name} once and import that declaration where it is used`,
        },
      );
    }
    byName.set(name, known ?? item);
  }
  return [...byName.values()];
}

/**
 * The one topology: restack's streams plus every consumer and bucket that
 * the services in this process declare, plus the lease bucket. Bucket
 * replicas default to the stream replicas.
 */
export function restackTopology(
  options: StreamOptionsInput = {},
  parts: readonly TopologyPart[] = [],
): Topology {
  const streams = restackStreams(options);
  const replicas = streams[0]!.replicas;
  const all: readonly TopologyPart[] = [{ buckets: [LEASE_BUCKET] }, ...parts];
  const consumers = mergeByName(
    all.flatMap((p) => p.consumers ?? []),
    (c) => c.durable,
    sameConsumer,
    'consumer',
  );
  const buckets = mergeByName(
    all.flatMap((p) => p.buckets ?? []).map((b) => ({ ...b, replicas: b.replicas ?? replicas })),
    (b) => b.name,
    sameBucket,
    'bucket',
  );
  return { streams, consumers, buckets };
}
