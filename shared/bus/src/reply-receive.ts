import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { RestackError, errorMessage, isRestackError } from '@restack/core';
import { formatPath } from '@restack/events';
import {
  ENCODING_HEADER,
  MAX_REPLY_BYTES,
  PARTS_HEADER,
  PART_HEADER,
  manifestSchema,
  mib,
  tooLarge,
  type Manifest,
} from './reply-wire.js';

const gunzip = promisify(gunzipCallback);
const decoder = new TextDecoder();

const RETRY_FIX =
  "ask again; if it keeps failing, read the answering service's log and nats-server's (slow consumers)";

/**
 * The JSON of a reply that came with headers: gzip'd, or a manifest whose
 * parts are fetched before `deadline`, checked and joined. Replies without
 * headers (nearly all) never come here.
 */
export async function headedReplyJson(
  nc: NatsConnection,
  msg: Msg,
  subject: string,
  deadline: number,
): Promise<unknown> {
  if (msg.headers?.has(PARTS_HEADER)) {
    const manifest = readManifest(msg, subject);
    const joined = await fetchParts(nc, manifest, subject, deadline);
    const json = manifest.encoding === 'gzip' ? await inflate(joined, subject) : joined;
    if (json.length !== manifest.bytes) {
      throw corrupt(subject, `it is ${json.length} bytes, not the ${manifest.bytes} announced`);
    }
    return parse(json, subject);
  }
  if (msg.headers?.get(ENCODING_HEADER) === 'gzip') {
    return parse(await inflate(msg.data, subject), subject);
  }
  return parse(msg.data, subject);
}

function readManifest(msg: Msg, subject: string): Manifest {
  const parsed = manifestSchema.safeParse(parse(msg.data, subject));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RestackError(
      'RPC_INVALID_RESPONSE',
      `${subject}: the manifest of an answer in parts is invalid: ${formatPath(issue?.path ?? [])} ${issue?.message ?? 'invalid'}`,
      { where: subject },
    );
  }
  const m = parsed.data;
  if (m.bytes > MAX_REPLY_BYTES || m.encodedBytes > MAX_REPLY_BYTES) {
    throw tooLarge(subject, Math.max(m.bytes, m.encodedBytes));
  }
  return m;
}

/** Parts 0..n-1 in order, a window per fetch, all before `deadline`; else a clear error. */
async function fetchParts(
  nc: NatsConnection,
  m: Manifest,
  subject: string,
  deadline: number,
): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let received = 0;
  const missing = (why: string, cause?: unknown) =>
    incomplete(subject, `got ${parts.length} of the ${m.parts} parts of the answer; ${why}`, cause);
  while (parts.length < m.parts) {
    const from = parts.length;
    const wait = deadline - Date.now();
    if (wait < 1) throw timedOut(subject, m, from, received);
    let ended = false;
    try {
      const replies = await nc.requestMany(m.fetch, JSON.stringify({ from }), {
        strategy: 'sentinel',
        maxWait: wait,
      });
      // Leaving the loop (break or throw) stops the request in nats.js.
      for await (const part of replies) {
        if (part.data.length === 0) {
          ended = true;
          break;
        }
        if (parts.length === m.parts) throw corrupt(subject, `more than ${m.parts} parts came`);
        const index = part.headers?.get(PART_HEADER) || 'without an index';
        if (index !== String(parts.length)) {
          throw missing(`part ${index} came where part ${parts.length} (from 0) was due`);
        }
        received += part.data.length;
        if (received > m.encodedBytes) {
          throw corrupt(subject, `its parts hold more than the ${m.encodedBytes} bytes announced`);
        }
        parts.push(part.data);
      }
    } catch (e) {
      if (isRestackError(e)) throw e;
      // No responders: the responder stopped, or dropped the parts as unasked for.
      throw missing(`the rest is gone (${errorMessage(e)})`, e);
    }
    if (!ended) throw timedOut(subject, m, parts.length, received);
    if (parts.length === from) {
      throw missing(`the responder has none from part ${from} (from 0) on`);
    }
  }
  const joined = Buffer.concat(parts, received);
  if (received !== m.encodedBytes) {
    throw corrupt(subject, `its parts hold ${received} bytes, not the ${m.encodedBytes} announced`);
  }
  if (createHash('sha256').update(joined).digest('hex') !== m.sha256) {
    throw corrupt(subject, 'its parts joined do not match the SHA-256 announced');
  }
  return joined;
}

async function inflate(data: Uint8Array, subject: string): Promise<Buffer> {
  try {
    // A bound, so a small gzip cannot expand into gigabytes here.
    return await gunzip(data, { maxOutputLength: MAX_REPLY_BYTES });
  } catch (cause) {
    throw corrupt(subject, `it does not gunzip (${errorMessage(cause)})`, cause);
  }
}

function parse(data: Uint8Array, subject: string): unknown {
  try {
    return JSON.parse(decoder.decode(data));
  } catch (cause) {
    throw new RestackError('RPC_INVALID_RESPONSE', `${subject}: body is not JSON`, {
      cause,
      where: subject,
    });
  }
}

function incomplete(subject: string, what: string, cause?: unknown): RestackError {
  return new RestackError('RPC_REPLY_INCOMPLETE', `${subject}: ${what}`, {
    where: subject,
    fix: RETRY_FIX,
    ...(cause === undefined ? {} : { cause }),
  });
}

function timedOut(subject: string, m: Manifest, got: number, received: number): RestackError {
  return new RestackError(
    'RPC_TIMEOUT',
    `${subject}: timed out with ${got} of the ${m.parts} parts of the answer (${mib(received)} of ${mib(m.encodedBytes)})`,
    { where: subject, fix: 'give the request a longer timeout, or check the answering service' },
  );
}

function corrupt(subject: string, why: string, cause?: unknown): RestackError {
  return new RestackError('RPC_REPLY_CORRUPT', `${subject}: the answer is damaged: ${why}`, {
    where: subject,
    fix: RETRY_FIX,
    ...(cause === undefined ? {} : { cause }),
  });
}
