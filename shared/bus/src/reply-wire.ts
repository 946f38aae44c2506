import type { NatsConnection } from '@nats-io/transport-node';
import { RestackError } from '@restack/core';
import { z } from 'zod';

// The wire format of a request/reply answer (README "Large answers"): one
// message when it fits the server's max_payload, else gzip'd in one message
// (Restack-Encoding), else a manifest (Restack-Parts) whose parts the
// requester fetches from the responder, a window at a time.

/** The largest answer, as JSON before compression: the requester holds and parses all of it. */
export const MAX_REPLY_BYTES = 64 * 1024 * 1024;

/** nats-server's default, until its INFO says otherwise. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** `gzip` on a reply whose body (alone, or its parts joined) is gzip'd. */
export const ENCODING_HEADER = 'Restack-Encoding';
/** Marks a manifest (the value is the part count; the body says the rest). */
export const PARTS_HEADER = 'Restack-Parts';
/** On each part: its index, from 0. */
export const PART_HEADER = 'Restack-Part';

export const manifestSchema = z.object({
  /** How many parts; each but the last fills a message. */
  parts: z.number().int().positive(),
  /** The answer's JSON, decoded. */
  bytes: z.number().int().positive(),
  /** The parts joined, as sent. */
  encodedBytes: z.number().int().positive(),
  /** SHA-256 of the parts joined. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  encoding: z.enum(['gzip', 'identity']),
  /** Where to ask for parts with `{from}`: the responder's own inbox. */
  fetch: z.string().min(1),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** Asks for the parts from `from` on; the answer is a window of them, then an empty message. */
export const fetchSchema = z.object({ from: z.number().int().nonnegative() });

/** The largest message the server takes now (it may change on reconnect to another server). */
export function maxPayload(nc: NatsConnection): number {
  return nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
}

/** Body bytes of a message that carries headers: max_payload counts them too. */
export function partLimit(payload: number): number {
  return payload - Math.min(4096, Math.floor(payload / 4));
}

export function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export function tooLarge(subject: string, bytes: number): RestackError {
  return new RestackError(
    'RPC_REPLY_TOO_LARGE',
    `${subject}: the answer is ${mib(bytes)}, over the ${mib(MAX_REPLY_BYTES)} a reply may be`,
    { where: subject, fix: 'ask for less in one request (a narrower query)' },
  );
}
