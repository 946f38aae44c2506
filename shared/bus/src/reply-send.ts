import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import {
  Empty,
  createInbox,
  headers,
  type Msg,
  type NatsConnection,
} from '@nats-io/transport-node';
import { errorMessage, type Logger } from '@restack/core';
import {
  ENCODING_HEADER,
  MAX_REPLY_BYTES,
  PARTS_HEADER,
  PART_HEADER,
  fetchSchema,
  maxPayload,
  partLimit,
  tooLarge,
  type Manifest,
} from './reply-wire.js';

// Off the event loop: a graph of tens of MiB takes a while to compress.
const gzip = promisify(gzipCallback);

/**
 * Parts sent per fetch. nats-server cuts off a client that has more than
 * max_pending (64 MiB) waiting for it, so the requester asks for the next
 * window only once it has read this one.
 */
const WINDOW_BYTES = 8 * 1024 * 1024;

/** Parts nobody asked for within this long (the requester gave up or died) are dropped. */
const TRANSFER_IDLE_MS = 10_000;

/**
 * Sends an answer too large for one message (`json` is over max_payload):
 * gzip'd in one message when that fits, else as parts. Resolves when the
 * requester has fetched every part or stopped asking.
 */
export async function sendLargeReply(
  nc: NatsConnection,
  msg: Msg,
  json: Uint8Array,
  subject: string,
  log: Logger,
): Promise<void> {
  if (json.length > MAX_REPLY_BYTES) throw tooLarge(subject, json.length);
  const zipped = await gzip(json);
  // Random or already compressed data grows a little under gzip: send it as it is.
  const gzipped = zipped.length < json.length;
  const body = gzipped ? zipped : json;
  const limit = partLimit(maxPayload(nc));
  if (gzipped && body.length <= limit) {
    const h = headers();
    h.set(ENCODING_HEADER, 'gzip');
    msg.respond(body, { headers: h });
    return;
  }
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < body.length; offset += limit) {
    parts.push(body.subarray(offset, offset + limit));
  }
  // Subscribed before the manifest goes out on the same connection, so the server knows the inbox first.
  const transfer = serveParts(nc, parts, log);
  const manifest = {
    parts: parts.length,
    bytes: json.length,
    encodedBytes: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
    encoding: gzipped ? 'gzip' : 'identity',
    fetch: transfer.subject,
  } satisfies Manifest;
  const h = headers();
  h.set(PARTS_HEADER, String(parts.length));
  msg.respond(JSON.stringify(manifest), { headers: h });
  log.debug({ parts: parts.length, bytes: json.length, sent: body.length }, 'answer sent in parts');
  await transfer.done;
}

function fetchFrom(m: Msg): number | undefined {
  try {
    const parsed = fetchSchema.safeParse(m.json());
    return parsed.success ? parsed.data.from : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Answers fetches on an inbox of its own (so replicas in the queue group
 * never see them) with a window of parts then an empty message, the sentinel
 * nats.js `requestMany` ends on. Ends after the last part or when idle.
 */
function serveParts(
  nc: NatsConnection,
  parts: readonly Uint8Array[],
  log: Logger,
): { subject: string; done: Promise<void> } {
  const perFetch = Math.max(1, Math.floor(WINDOW_BYTES / (parts[0]?.length ?? 1)));
  const inbox = createInbox();
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const idle = setTimeout(() => {
    log.warn({ parts: parts.length }, 'answer parts not fetched; dropped');
    end();
  }, TRANSFER_IDLE_MS);
  // A requester that went away must not hold up the process's exit.
  idle.unref();
  const sub = nc.subscribe(inbox, {
    callback: (err, m) => {
      if (err) {
        log.warn({ err: errorMessage(err) }, 'answer parts subscription failed');
        return end();
      }
      const from = fetchFrom(m) ?? parts.length;
      const to = Math.min(parts.length, from + perFetch);
      try {
        for (let i = from; i < to; i++) {
          const h = headers();
          h.set(PART_HEADER, String(i));
          m.respond(parts[i], { headers: h });
        }
        m.respond(Empty);
      } catch (e) {
        log.warn({ err: errorMessage(e) }, 'answer parts not sent');
        return end();
      }
      if (to === parts.length) end();
      else idle.refresh();
    },
  });
  function end(): void {
    clearTimeout(idle);
    if (!sub.isClosed()) sub.unsubscribe();
    finish();
  }
  return { subject: inbox, done };
}
