export { connectBus } from './bus.js';
export type { Bus, BusOptions, ConsumerState } from './bus.js';
export { connectNats, redactServers } from './connect.js';
export type { ConnectNatsOptions, NatsLink } from './connect.js';
export { DEFAULT_MAX_ATTEMPTS } from './consume.js';
export type { BusObserver, Consumption, EventHandler, HandlerContext } from './consume.js';
export { DEFAULT_BACKOFF, backoffDelay } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export {
  DEFAULT_ACK_WAIT_MS,
  applyTopology,
  consumerFilter,
  supportsMultipleFilters,
} from './ensure-topology.js';
export type { TopologyReport } from './ensure-topology.js';
export { DEAD_LETTER_STREAM, EVENTS_STREAM, restackStreams, restackTopology } from './topology.js';
export type { BucketSpec, ConsumerSpec, StreamSpec, Topology, TopologyPart } from './topology.js';
export { decodeKvKey, encodeKvKey, isRevisionConflict, typedKv } from './kv.js';
export type { KvRecord, KvWatch, MutateOptions, TypedKv } from './kv.js';
export { LEASE_BUCKET, leaseStateSchema, leases } from './lease.js';
export type { Lease, LeaseState, Leases } from './lease.js';
export { TRACEPARENT_HEADER, publishEvent } from './publish.js';
export type { PublishAck, PublishOptions } from './publish.js';
export { defineEndpoint, requestEndpoint, serveEndpoint } from './rpc.js';
export type { Endpoint, Responder } from './rpc.js';
export { MAX_REPLY_BYTES } from './reply-wire.js';
export { natsConnectionSchema, streamOptionsSchema } from './schema.js';
export type {
  NatsConnectionInput,
  NatsConnectionSettings,
  StreamOptions,
  StreamOptionsInput,
} from './schema.js';
export { findNatsServer } from './server-binary.js';
export { whileRecovering } from './recover.js';
