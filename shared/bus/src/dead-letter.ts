import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { RestackError, errorMessage, isRestackError } from '@restack/core';
import {
  deadLetterSchema,
  deadLetterSubject,
  type DeadLetter,
  type DeadLetterReason,
} from '@restack/events';
import { DEAD_LETTER_STREAM } from './topology.js';

/** Enough to diagnose, small enough that the dead letter stays under NATS's 1 MiB payload limit. */
const MAX_PAYLOAD_BYTES = 256 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function encodePayload(
  data: Uint8Array,
): Pick<DeadLetter, 'payload' | 'payloadEncoding' | 'payloadTruncated'> {
  const truncated = data.byteLength > MAX_PAYLOAD_BYTES;
  const bytes = truncated ? data.subarray(0, MAX_PAYLOAD_BYTES) : data;
  try {
    return { payload: utf8.decode(bytes), payloadEncoding: 'utf8', payloadTruncated: truncated };
  } catch {
    return {
      payload: Buffer.from(bytes).toString('base64'),
      payloadEncoding: 'base64',
      payloadTruncated: truncated,
    };
  }
}

export interface DeadLetterInput {
  msg: JsMsg;
  reason: DeadLetterReason;
  error: unknown;
  consumer: string;
  maxAttempts: number;
  event?: { id: string; type: string; campaignId?: string | undefined };
}

export function buildDeadLetter(input: DeadLetterInput): DeadLetter {
  const { msg, event } = input;
  const where = isRestackError(input.error) ? input.error.where : undefined;
  return {
    reason: input.reason,
    error: input.error instanceof Error ? input.error.message : errorMessage(input.error),
    ...(where ? { where } : {}),
    attempts: msg.info.deliveryCount,
    maxAttempts: input.maxAttempts,
    originalSubject: msg.subject,
    stream: msg.info.stream,
    streamSequence: msg.info.streamSequence,
    consumer: input.consumer,
    ...(event ? { eventId: event.id, eventType: event.type } : {}),
    ...(event?.campaignId ? { campaignId: event.campaignId } : {}),
    ...encodePayload(msg.data),
    deadAt: new Date().toISOString(),
  };
}

/**
 * Stores the dead letter. Its Nats-Msg-Id names the stream message and the
 * consumer, so dead-lettering the same delivery twice stores it once.
 */
export async function publishDeadLetter(js: JetStreamClient, letter: DeadLetter): Promise<void> {
  await js.publish(deadLetterSubject(letter.originalSubject), JSON.stringify(letter), {
    msgID: `deadletter:${letter.stream}:${letter.streamSequence}:${letter.consumer}`,
    timeout: 10_000,
  });
}

/** The newest dead letters first, at most `limit`. */
export async function listDeadLetters(jsm: JetStreamManager, limit = 100): Promise<DeadLetter[]> {
  const info = await jsm.streams.info(DEAD_LETTER_STREAM).catch((cause: unknown) => {
    throw new RestackError(
      'BUS_NO_STREAM',
      `cannot read ${DEAD_LETTER_STREAM}: ${errorMessage(cause)}`,
      {
        cause,
        fix: 'start restack once so that it creates its streams',
      },
    );
  });
  const out: DeadLetter[] = [];
  for (
    let seq = info.state.last_seq;
    seq >= info.state.first_seq && seq > 0 && out.length < limit;
    seq--
  ) {
    const stored = await jsm.streams.getMessage(DEAD_LETTER_STREAM, { seq }).catch(() => null);
    if (!stored) continue; // deleted or aged out between info and read
    const parsed = deadLetterSchema.safeParse(stored.json());
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}
