import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { RestackError, errorMessage, type Logger } from '@restack/core';
import {
  parseEvent,
  type DeadLetterReason,
  type EventOf,
  type EventType,
  type RestackEvent,
} from '@restack/events';
import { DEFAULT_BACKOFF, backoffDelay, sleep } from './backoff.js';
import { buildDeadLetter, publishDeadLetter } from './dead-letter.js';
import { DEFAULT_ACK_WAIT_MS } from './ensure-topology.js';
import { EVENTS_STREAM, type ConsumerSpec } from './topology.js';
import { whileRecovering } from './recover.js';

export interface HandlerContext {
  /** Child logger carrying consumer, eventId, type, campaignId and attempt. */
  log: Logger;
  /** 1 for the first delivery. */
  attempt: number;
  maxAttempts: number;
  subject: string;
  streamSequence: number;
  /** Aborted when the consumer stops: the handler may finish, but should not start long new work. */
  signal: AbortSignal;
}

/** Make the effect durable, then resolve; the bus acks only after that. Throw to retry. */
export type EventHandler<T extends EventType = EventType> = (
  event: EventOf<T>,
  ctx: HandlerContext,
) => Promise<void> | void;

/** Hooks for metrics; the bus itself knows nothing about Prometheus. */
export interface BusObserver {
  published?(type: string): void;
  /** Every delivery, redeliveries included. */
  received?(type: string, consumer: string): void;
  handlerFailed?(type: string, consumer: string): void;
  deadLettered?(type: string, consumer: string, reason: DeadLetterReason): void;
}

export interface Consumption {
  readonly durable: string;
  inFlight(): number;
  /** Stops pulling, waits for handlers in flight to settle (their messages are acked or nak'ed). */
  stop(): Promise<void>;
}

export interface ConsumeDeps {
  js: JetStreamClient;
  log: Logger;
  observer: BusObserver;
  /** How long one pull waits on the server; stop() may wait this long. */
  pullExpiresMs: number;
  isClosed(): boolean;
}

export const DEFAULT_MAX_ATTEMPTS = 5;

/** nak, term and working publish at once and throw on a closed connection; the server redelivers anyway. */
function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // connection closed: ack_wait makes the server redeliver
  }
}

/** One turn at a time per key, in the order they were asked for; the map holds only keys in use. */
function keyedTurns(): { enter(key: string): Promise<() => void> } {
  const tails = new Map<string, Promise<void>>();
  return {
    async enter(key) {
      const before = tails.get(key);
      let done!: () => void;
      const mine = new Promise<void>((resolve) => (done = resolve));
      tails.set(key, mine);
      await before;
      return () => {
        if (tails.get(key) === mine) tails.delete(key);
        done();
      };
    },
  };
}

export async function startConsumer<T extends EventType>(
  deps: ConsumeDeps,
  spec: ConsumerSpec<T>,
  handler: EventHandler<T>,
): Promise<Consumption> {
  const consumer = await whileRecovering(() =>
    deps.js.consumers.get(EVENTS_STREAM, spec.durable),
  ).catch((cause: unknown) => {
    throw new RestackError(
      'BUS_CONSUMER_MISSING',
      `consumer ${spec.durable} is not available: ${errorMessage(cause)}`,
      {
        cause,
        where: `${EVENTS_STREAM}/${spec.durable}`,
        fix: 'declare the consumer in the topology (the service runner does it for its handlers) before consuming',
      },
    );
  });
  const durable = spec.durable;
  const maxAttempts = spec.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const concurrency = Math.max(1, spec.concurrency ?? 1);
  const backoff = spec.backoff ?? DEFAULT_BACKOFF;
  const ackWaitMs = spec.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  const accepted = new Set<string>(spec.subjects);
  const log = deps.log.child({ consumer: durable });
  const stopping = new AbortController();
  const inflight = new Set<Promise<void>>();
  const queue = keyedTurns();
  let wake: (() => void) | undefined;

  /** A key function that throws must not strand the message: it is handled unordered. */
  function orderKeyOf(event: RestackEvent, l: () => Logger): string | undefined {
    try {
      return spec.orderKey?.(event);
    } catch (e) {
      l().warn({ err: errorMessage(e) }, 'order key failed; handled without ordering');
      return undefined;
    }
  }

  async function confirmAck(msg: JsMsg, l: Logger): Promise<void> {
    const ok = await msg.ackAck({ timeout: 5_000 }).catch((e: unknown) => {
      l.warn({ err: errorMessage(e) }, 'ack not confirmed; the message may be redelivered');
      return true;
    });
    if (!ok) l.debug({}, 'message was already acked');
  }

  async function giveUp(
    msg: JsMsg,
    reason: DeadLetterReason,
    error: unknown,
    event: RestackEvent | undefined,
    l: Logger,
  ): Promise<void> {
    const letter = buildDeadLetter({ msg, reason, error, consumer: durable, maxAttempts, event });
    try {
      await publishDeadLetter(deps.js, letter);
    } catch (e) {
      l.error({ err: errorMessage(e) }, 'dead letter not stored; will retry');
      quietly(() => msg.nak(backoffDelay(msg.info.deliveryCount, backoff)));
      return;
    }
    deps.observer.deadLettered?.(event?.type ?? msg.subject, durable, reason);
    l.error({ reason, error: letter.error, where: letter.where }, 'message dead-lettered');
    // Invalid input is simply acked; a message that failed is terminated so the server never redelivers it.
    // No term reason: servers before 2.10.4 ignore "+TERM <reason>" altogether; the dead letter has it.
    if (reason === 'invalid') await confirmAck(msg, l);
    else quietly(() => msg.term());
  }

  async function handle(msg: JsMsg): Promise<void> {
    const info = msg.info; // parsed from the reply subject at every read
    const attempt = info.deliveryCount;
    const where = { subject: msg.subject, streamSequence: info.streamSequence, attempt };
    // Servers before 2.10 filter on one wildcard; skip the types this consumer did not ask
    // for by their subject, before any parsing. A lost ack only brings it back to be skipped again.
    if (!accepted.has(msg.subject)) return quietly(() => msg.ack());
    let event: RestackEvent;
    try {
      event = parseEvent(msg.data);
      if (event.type !== msg.subject) {
        throw new RestackError(
          'EVENT_WRONG_SUBJECT',
          `${event.type} arrived on subject ${msg.subject}`,
          {
            where: 'type',
          },
        );
      }
    } catch (error) {
      return giveUp(msg, 'invalid', error, undefined, log.child(where));
    }
    // The child logger (a copy of the bindings) is built only when something logs.
    let child: Logger | undefined;
    const l = (): Logger =>
      (child ??= log.child({
        ...where,
        eventId: event.id,
        type: event.type,
        campaignId: event.campaignId,
      }));
    deps.observer.received?.(event.type, durable);
    if (attempt > maxAttempts) {
      const error = new Error(
        `delivered ${attempt} times (max ${maxAttempts}) without a handler finishing; it crashed or outlived the ack wait`,
      );
      return giveUp(msg, 'exhausted', error, event, l());
    }
    // Tell the server we are still working so a long handler is not redelivered to another replica.
    const heartbeat = setInterval(() => quietly(() => msg.working()), Math.max(500, ackWaitMs / 2));
    const key = orderKeyOf(event, l);
    const turn = key === undefined ? undefined : await queue.enter(key);
    try {
      await handler(event as EventOf<T>, {
        get log() {
          return l();
        },
        attempt,
        maxAttempts,
        subject: msg.subject,
        streamSequence: info.streamSequence,
        signal: stopping.signal,
      });
    } catch (error) {
      turn?.();
      clearInterval(heartbeat);
      deps.observer.handlerFailed?.(event.type, durable);
      if (attempt >= maxAttempts) return giveUp(msg, 'failed', error, event, l());
      const delay = backoffDelay(attempt, backoff);
      l().warn({ err: errorMessage(error), retryInMs: delay }, 'handler failed; will retry');
      quietly(() => msg.nak(delay));
      return;
    }
    turn?.();
    clearInterval(heartbeat);
    // The effect is durable: ack without waiting for the server's confirmation (a request
    // round trip per message). A lost ack means a redelivery, which handlers already tolerate.
    quietly(() => msg.ack());
  }

  function track(msg: JsMsg): void {
    const p = handle(msg).catch((e: unknown) => {
      log.error({ err: errorMessage(e) }, 'message handling failed unexpectedly');
    });
    inflight.add(p);
    void p.finally(() => {
      inflight.delete(p);
      wake?.();
    });
  }

  async function waitForSlot(): Promise<void> {
    while (inflight.size >= concurrency && !stopping.signal.aborted) {
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }

  // Pull only as many messages as there are free handler slots, so a busy
  // replica never sits on messages another replica could take.
  const loop = (async () => {
    let failures = 0;
    while (!stopping.signal.aborted && !deps.isClosed()) {
      await waitForSlot();
      if (stopping.signal.aborted) break;
      try {
        const batch = await consumer.fetch({
          max_messages: concurrency - inflight.size,
          expires: deps.pullExpiresMs,
        });
        for await (const msg of batch) {
          // Stopping: hand the message straight back so another replica gets it now.
          if (stopping.signal.aborted) quietly(() => msg.nak());
          else track(msg);
        }
        failures = 0;
      } catch (e) {
        if (stopping.signal.aborted || deps.isClosed()) break;
        failures++;
        const wait = backoffDelay(failures, { initialMs: 250, maxMs: 10_000 });
        log.warn({ err: errorMessage(e), retryInMs: wait }, 'pull failed');
        await sleep(wait, stopping.signal);
      }
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    durable,
    inFlight: () => inflight.size,
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        wake?.();
        await Promise.all([loop, Promise.allSettled([...inflight])]);
        // Handlers may have been tracked while the last pull ended.
        await Promise.allSettled([...inflight]);
        log.info({}, 'consumer stopped');
      })();
      return stopped;
    },
  };
}
