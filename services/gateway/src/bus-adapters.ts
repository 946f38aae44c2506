import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { EVENTS_STREAM, type Bus, type BusObserver } from '@restack/bus';
import { RestackError, errorMessage, type Logger } from '@restack/core';
import { EVENT_SUBJECTS, createEvent, parseEvent, type RestackEvent } from '@restack/events';
import type { DeadLetterSource, TriggerSink } from './ports.js';

/** The event types the gateway's read models fold. */
export const FOLLOWED_TYPES = [
  'restack.digest.changed',
  'restack.graph.updated',
  'restack.campaign.planned',
  'restack.pr.requested',
  'restack.pr.opened',
  'restack.pr.updated',
  'restack.pr.failed',
  'restack.build.requested',
  'restack.build.completed',
  'restack.build.failed',
  'restack.dispatch.requested',
  'restack.image.rebuilt',
  'restack.image.stale',
  'restack.image.deprecated',
  'restack.image.promoted',
  'restack.promotion.refused',
] as const;

export interface EventFollower {
  /** Resolves once the events stored when following started have been applied. */
  readonly caughtUp: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Replays and then follows the RESTACK stream with an ordered consumer: an
 * ephemeral, server-side-free reader, so the gateway keeps no durable state
 * and any number of gateways can run. Invalid events are skipped (the
 * consumers that own them dead-letter them).
 */
export async function followEvents(
  bus: Bus,
  onEvent: (event: RestackEvent) => void,
  log: Logger,
  observer: BusObserver = {},
): Promise<EventFollower> {
  const followed = new Set<string>(FOLLOWED_TYPES);
  const js = jetstream(bus.connection);
  const consumer = await js.consumers
    .get(EVENTS_STREAM, {
      // One filter: nats-server 2.9 has no multi-filter consumers; other types are skipped below.
      filter_subjects: EVENT_SUBJECTS,
      deliver_policy: DeliverPolicy.All,
    })
    .catch((cause: unknown) => {
      throw new RestackError(
        'GATEWAY_NO_STREAM',
        `cannot read ${EVENTS_STREAM}: ${errorMessage(cause)}`,
        {
          cause,
          where: EVENTS_STREAM,
          fix: 'start the gateway after the topology exists (restack up does), with nats-server -js',
        },
      );
    });
  const info = await consumer.info(true);
  let target = info.num_pending;
  let seen = 0;
  let markCaughtUp!: () => void;
  const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));
  if (target === 0) markCaughtUp();
  const messages = await consumer.consume();
  const loop = (async () => {
    for await (const m of messages) {
      try {
        if (followed.has(m.subject)) {
          const event = parseEvent(m.json());
          observer.received?.(event.type, 'gateway');
          onEvent(event);
        }
      } catch (e) {
        log.debug(
          { err: errorMessage(e), subject: m.subject },
          'skipped an event the gateway cannot read',
        );
      }
      if (++seen >= target && target >= 0) {
        target = -1;
        markCaughtUp();
      }
    }
  })();
  return {
    caughtUp,
    async stop() {
      await messages.close().catch(() => undefined);
      await loop.catch(() => undefined);
    },
  };
}

/**
 * A manual trigger is a `restack.digest.changed` with detectedBy `webhook`:
 * exactly what the graph service already turns into a campaign, so a manual
 * rebuild follows the same path as a registry push.
 */
export function busTriggerSink(bus: Bus, now: () => Date = () => new Date()): TriggerSink {
  return {
    async trigger({ ref, digest }) {
      const at = now();
      const event = createEvent(
        'restack.digest.changed',
        {
          ref,
          previousDigest: null,
          digest,
          platforms: [],
          detectedBy: 'webhook',
          firstSeenAt: at.toISOString(),
        },
        { occurredAt: at },
      );
      await bus.publish(event);
      return { accepted: true, eventId: event.id, type: event.type, ref, digest };
    },
  };
}

export function busDeadLetterSource(bus: Bus): DeadLetterSource {
  return { list: (limit) => bus.deadLetters(limit) };
}
