import type { Bus, BucketSpec, ConsumerSpec, Endpoint, HandlerContext } from '@restack/bus';
import type { Logger } from '@restack/core';
import type { Registry } from 'prom-client';
import type { EventOf, EventType, RestackEvent } from '@restack/events';

export interface ServiceContext {
  readonly name: string;
  readonly bus: Bus;
  /** Child logger with `service`. */
  readonly log: Logger;
  /** Aborted when the runtime starts to stop. */
  readonly signal: AbortSignal;
  /** The runtime's Prometheus registry: what a service registers here is on /metrics. */
  readonly metrics: Registry;
}

/** One consumer and the function that handles what it receives. */
export interface ServiceHandler<P> {
  readonly consumer: ConsumerSpec;
  handle(event: RestackEvent, ctx: HandlerContext, ports: P): Promise<void> | void;
}

/** One query this service answers. */
export interface ServiceEndpoint<P> {
  readonly endpoint: Endpoint<unknown, unknown>;
  answer(request: unknown, ports: P): Promise<unknown> | unknown;
}

/** Stops background work started by `start`. */
export type StopWork = () => Promise<void> | void;

/**
 * What a service is: its consumers and handlers, the queries it answers,
 * the KV buckets it owns and how it builds its ports. The runtime declares
 * the consumers and buckets in the one topology before anything starts.
 */
export interface ServiceDefinition<P = undefined> {
  readonly name: string;
  readonly buckets?: readonly BucketSpec[];
  readonly handlers?: readonly ServiceHandler<P>[];
  readonly endpoints?: readonly ServiceEndpoint<P>[];
  /** Builds the ports (adapters) once NATS is connected and the buckets exist. */
  setup?(ctx: ServiceContext): Promise<P> | P;
  /** Starts background work such as a schedule; runs after handlers are consuming. */
  start?(ctx: ServiceContext, ports: P): Promise<StopWork | void> | StopWork | void;
}

export function defineService<P = undefined>(
  definition: ServiceDefinition<P>,
): ServiceDefinition<P> {
  return definition;
}

/** Pairs a consumer with a handler typed for exactly the events it declares. */
export function on<T extends EventType, P = undefined>(
  consumer: ConsumerSpec<T>,
  handle: (event: EventOf<T>, ctx: HandlerContext, ports: P) => Promise<void> | void,
): ServiceHandler<P> {
  return {
    consumer,
    // The bus only delivers the consumer's declared types, so the narrowing holds.
    handle: (event, ctx, ports) => handle(event as EventOf<T>, ctx, ports),
  };
}

export function answer<Req, Res, P = undefined>(
  endpoint: Endpoint<Req, Res>,
  handle: (request: Req, ports: P) => Promise<Res> | Res,
): ServiceEndpoint<P> {
  return {
    endpoint: endpoint as Endpoint<unknown, unknown>,
    answer: (request, ports) => handle(request as Req, ports),
  };
}

/**
 * Gives a service's own options a way to reach the bus the runtime sets it up
 * with: for ports built before the runtime exists (a planner, a graph query).
 * `bus()` throws until the service is set up; the runtime sets up a service
 * before it handles anything or starts. The definition keeps its own API
 * (getters included): the result inherits from it and overrides `setup` only.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function withBus<D extends ServiceDefinition<any>>(make: (bus: () => Bus) => D): D {
  let current: Bus | undefined;
  const definition = make(() => {
    if (!current)
      throw new Error(`${definition.name}: the bus is used before the service is set up`);
    return current;
  });
  const wrapped = Object.create(definition) as D;
  wrapped.setup = (ctx: ServiceContext) => {
    current = ctx.bus;
    return definition.setup?.(ctx);
  };
  return wrapped;
}
