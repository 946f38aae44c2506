import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { RestackError, errorMessage, type Logger } from '@restack/core';
import {
  EVENTS_STREAM,
  type BucketSpec,
  type ConsumerSpec,
  type StreamSpec,
  type Topology,
} from './topology.js';

export interface TopologyReport {
  created: string[];
  updated: string[];
  unchanged: string[];
}

export const DEFAULT_ACK_WAIT_MS = 30_000;

function isNotFound(e: unknown): boolean {
  return e instanceof Error && /not found/i.test(e.message);
}

function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return [...(a ?? [])].sort().join('\n') === [...(b ?? [])].sort().join('\n');
}

/** nats-server 2.10 added filter_subjects (several filters on one consumer). */
export function supportsMultipleFilters(serverVersion: string | undefined): boolean {
  const [major = 0, minor = 0] = (serverVersion ?? '0.0')
    .split('.')
    .map((n) => Number.parseInt(n, 10));
  return major > 2 || (major === 2 && minor >= 10);
}

/**
 * The server-side filter for a consumer. Servers before 2.10 accept one
 * filter only, so several types collapse to the narrowest wildcard that
 * covers them and the bus skips the rest on the client.
 */
export function consumerFilter(
  subjects: readonly string[],
  multipleFilters: boolean,
): { filter_subject?: string; filter_subjects?: string[] } {
  if (subjects.length === 1) return { filter_subject: subjects[0]! };
  if (multipleFilters) return { filter_subjects: [...subjects].sort() };
  const split = subjects.map((s) => s.split('.'));
  const tokens = split[0]!.map((t, i) => (split.every((s) => s[i] === t) ? t : '*'));
  return { filter_subject: tokens.join('.') };
}

async function ensureStream(
  jsm: JetStreamManager,
  spec: StreamSpec,
  report: TopologyReport,
): Promise<void> {
  const wanted: Partial<StreamConfig> & { name: string } = {
    name: spec.name,
    subjects: [...spec.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(spec.maxAgeMs),
    duplicate_window: nanos(spec.duplicateWindowMs),
    num_replicas: spec.replicas,
    description: spec.description ?? '',
  };
  const label = `stream ${spec.name}`;
  const info = await jsm.streams.info(spec.name).catch((e: unknown) => {
    if (isNotFound(e)) return undefined;
    throw e;
  });
  if (!info) {
    await jsm.streams.add(wanted);
    report.created.push(label);
    return;
  }
  const c = info.config;
  const same =
    sameSet(c.subjects, wanted.subjects) &&
    c.max_age === wanted.max_age &&
    c.duplicate_window === wanted.duplicate_window &&
    c.num_replicas === wanted.num_replicas &&
    (c.description ?? '') === wanted.description;
  if (same) {
    report.unchanged.push(label);
    return;
  }
  await jsm.streams.update(spec.name, { ...c, ...wanted });
  report.updated.push(label);
}

async function ensureConsumer(
  jsm: JetStreamManager,
  spec: ConsumerSpec,
  multipleFilters: boolean,
  report: TopologyReport,
): Promise<void> {
  const label = `consumer ${EVENTS_STREAM}/${spec.durable}`;
  if (spec.subjects.length === 0) {
    throw new RestackError('TOPOLOGY_INVALID', `consumer ${spec.durable} has no subjects`, {
      where: label,
    });
  }
  const wanted: Partial<ConsumerConfig> = {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(spec.ackWaitMs ?? DEFAULT_ACK_WAIT_MS),
    // The bus counts attempts itself and dead-letters at maxAttempts; an
    // unlimited server max_deliver means a crash can never strand a message.
    max_deliver: -1,
    max_ack_pending: spec.maxAckPending ?? 1000,
    ...consumerFilter(spec.subjects, multipleFilters),
  };
  const info = await jsm.consumers.info(EVENTS_STREAM, spec.durable).catch((e: unknown) => {
    if (isNotFound(e)) return undefined;
    throw e;
  });
  if (!info) {
    const deliver = spec.deliverFrom === 'new' ? DeliverPolicy.New : DeliverPolicy.All;
    await jsm.consumers.add(EVENTS_STREAM, { ...wanted, deliver_policy: deliver });
    report.created.push(label);
    return;
  }
  const c = info.config;
  const same =
    c.ack_wait === wanted.ack_wait &&
    c.max_deliver === wanted.max_deliver &&
    c.max_ack_pending === wanted.max_ack_pending &&
    (c.filter_subject ?? '') === (wanted.filter_subject ?? '') &&
    sameSet(c.filter_subjects, wanted.filter_subjects);
  if (same) {
    report.unchanged.push(label);
    return;
  }
  await jsm.consumers.update(EVENTS_STREAM, spec.durable, wanted);
  report.updated.push(label);
}

async function ensureBucket(
  jsm: JetStreamManager,
  kvm: Kvm,
  spec: BucketSpec,
  report: TopologyReport,
): Promise<void> {
  const label = `bucket ${spec.name}`;
  const stream = `KV_${spec.name}`;
  const history = spec.history ?? 1;
  const replicas = spec.replicas ?? 1;
  const maxAge = spec.ttlMs ? nanos(spec.ttlMs) : 0;
  const existing = await jsm.streams.info(stream).catch((e: unknown) => {
    if (isNotFound(e)) return undefined;
    throw e;
  });
  if (!existing) {
    await kvm.create(spec.name, {
      history,
      replicas,
      ...(spec.ttlMs ? { ttl: spec.ttlMs } : {}),
      ...(spec.description ? { description: spec.description } : {}),
    });
    report.created.push(label);
    return;
  }
  const c = existing.config;
  if (c.max_msgs_per_subject === history && c.num_replicas === replicas && c.max_age === maxAge) {
    report.unchanged.push(label);
    return;
  }
  await jsm.streams.update(stream, {
    ...c,
    max_msgs_per_subject: history,
    num_replicas: replicas,
    max_age: maxAge,
  });
  report.updated.push(label);
}

/**
 * Creates what is missing and updates what differs, so every replica can
 * run it at start-up. Running it twice changes nothing the second time.
 */
export async function applyTopology(
  nc: NatsConnection,
  topology: Topology,
  log: Logger,
): Promise<TopologyReport> {
  const report: TopologyReport = { created: [], updated: [], unchanged: [] };
  try {
    const jsm = await jetstreamManager(nc);
    const kvm = new Kvm(jetstream(nc));
    for (const stream of topology.streams) await ensureStream(jsm, stream, report);
    const multi = supportsMultipleFilters(nc.info?.version);
    for (const consumer of topology.consumers) await ensureConsumer(jsm, consumer, multi, report);
    for (const bucket of topology.buckets) await ensureBucket(jsm, kvm, bucket, report);
  } catch (cause) {
    if (cause instanceof RestackError) throw cause;
    throw new RestackError(
      'TOPOLOGY_FAILED',
      `cannot create the NATS topology: ${errorMessage(cause)}`,
      {
        cause,
        where: `nats ${nc.getServer()}`,
        fix: 'check that nats-server runs with JetStream (-js) and that this account may manage streams',
      },
    );
  }
  log.info(report, 'topology ready');
  return report;
}
