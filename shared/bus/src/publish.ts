import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { RestackError, errorMessage } from '@restack/core';
import { checkedEvent, type RestackEvent } from '@restack/events';

export interface PublishOptions {
  /** How long to wait for the JetStream ack. Default 10 s. */
  timeoutMs?: number;
}

export interface PublishAck {
  stream: string;
  seq: number;
  /** True when the stream already had this event id inside its duplicate window. */
  duplicate: boolean;
}

/** Header carrying the W3C trace context next to the envelope, for tools that read headers only. */
export const TRACEPARENT_HEADER = 'traceparent';

/**
 * Validates the event (unless createEvent just did), publishes it on its type's subject with the event id
 * as Nats-Msg-Id and resolves once JetStream has stored it.
 */
export async function publishEvent(
  js: JetStreamClient,
  event: RestackEvent,
  options: PublishOptions = {},
): Promise<PublishAck> {
  const valid = checkedEvent(event);
  const h = headers();
  h.set(TRACEPARENT_HEADER, valid.traceparent);
  try {
    const ack = await js.publish(valid.type, JSON.stringify(valid), {
      msgID: valid.id,
      headers: h,
      timeout: options.timeoutMs ?? 10_000,
    });
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  } catch (cause) {
    const message = errorMessage(cause);
    // A publish nobody stores comes back as 503 "no responders" / "jetstream is not enabled".
    const noStream = /no responders|not enabled|503/i.test(message);
    throw new RestackError(
      noStream ? 'BUS_NO_STREAM' : 'BUS_PUBLISH_FAILED',
      `cannot publish ${valid.type} ${valid.id}: ${message}`,
      {
        cause,
        where: valid.type,
        fix: noStream
          ? 'start restack once so that it creates the RESTACK stream, and run nats-server with -js'
          : 'check the NATS connection; publishing again with the same event id is safe',
      },
    );
  }
}
