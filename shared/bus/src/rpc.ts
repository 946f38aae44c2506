import { RequestError, TimeoutError, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { RestackError, errorMessage, isRestackError, type Logger } from '@restack/core';
import { formatPath } from '@restack/events';
import { z } from 'zod';
import { headedReplyJson } from './reply-receive.js';
import { sendLargeReply } from './reply-send.js';
import { maxPayload } from './reply-wire.js';

/**
 * A query one service answers for others ("plan for X"). Subjects have at
 * least four tokens under restack.rpc, so the RESTACK stream (restack.*.*)
 * never captures them: a stream would answer the request with its own ack.
 */
export interface Endpoint<Req, Res> {
  subject: string;
  request: z.ZodType<Req>;
  response: z.ZodType<Res>;
}

const RPC_SUBJECT = /^restack\.rpc(?:\.[a-z0-9][a-z0-9-]*){2,}$/;

export function defineEndpoint<Req, Res>(endpoint: Endpoint<Req, Res>): Endpoint<Req, Res> {
  if (!RPC_SUBJECT.test(endpoint.subject)) {
    throw new RestackError(
      'RPC_SUBJECT_INVALID',
      `endpoint subject ${endpoint.subject} is not restack.rpc.<service>.<query>`,
      {
        where: endpoint.subject,
      },
    );
  }
  return endpoint;
}

const replySchema = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({
    ok: z.literal(false),
    error: z.object({
      code: z.string(),
      message: z.string(),
      where: z.string().optional(),
      fix: z.string().optional(),
    }),
  }),
]);

type Reply = z.infer<typeof replySchema>;

const encoder = new TextEncoder();

export interface Responder {
  readonly subject: string;
  /** Stops taking requests and waits for the ones being answered (parts until fetched). */
  stop(): Promise<void>;
}

function validate<T>(schema: z.ZodType<T>, value: unknown, code: string, subject: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new RestackError(code, `${subject}: ${issue?.message ?? 'invalid'}`, {
    where: `${subject} ${formatPath(issue?.path ?? [])}`,
  });
}

function json(msg: Msg, code: string, subject: string): unknown {
  try {
    return msg.json();
  } catch (cause) {
    throw new RestackError(code, `${subject}: body is not JSON`, { cause, where: subject });
  }
}

function errorReply(e: unknown): Reply {
  if (isRestackError(e)) {
    return {
      ok: false,
      error: {
        code: e.code,
        message: e.message,
        ...(e.where ? { where: e.where } : {}),
        ...(e.fix ? { fix: e.fix } : {}),
      },
    };
  }
  return { ok: false, error: { code: 'RPC_HANDLER_FAILED', message: errorMessage(e) } };
}

/**
 * Answers requests in a queue group, so replicas share them. An answer over
 * max_payload goes gzip'd or in parts (reply-send.ts), up to MAX_REPLY_BYTES.
 */
export function serveEndpoint<Req, Res>(
  nc: NatsConnection,
  endpoint: Endpoint<Req, Res>,
  handler: (request: Req) => Promise<Res> | Res,
  log: Logger,
): Responder {
  const inflight = new Set<Promise<void>>();
  const l = log.child({ endpoint: endpoint.subject });
  async function answer(msg: Msg): Promise<void> {
    let reply: Reply;
    try {
      const request = validate(
        endpoint.request,
        json(msg, 'RPC_INVALID_REQUEST', endpoint.subject),
        'RPC_INVALID_REQUEST',
        endpoint.subject,
      );
      const result = validate(
        endpoint.response,
        await handler(request),
        'RPC_INVALID_RESPONSE',
        endpoint.subject,
      );
      reply = { ok: true, result };
    } catch (e) {
      l.warn({ err: errorMessage(e) }, 'request failed');
      reply = errorReply(e);
    }
    try {
      const body = encoder.encode(JSON.stringify(reply));
      if (body.length <= maxPayload(nc)) msg.respond(body);
      else await answerLarge(msg, body);
    } catch (e) {
      // The connection is gone: nobody is left to tell.
      l.warn({ err: errorMessage(e) }, 'answer not sent');
    }
  }
  async function answerLarge(msg: Msg, body: Uint8Array): Promise<void> {
    try {
      await sendLargeReply(nc, msg, body, endpoint.subject, l);
    } catch (e) {
      l.warn({ err: errorMessage(e), bytes: body.length }, 'answer not sent');
      msg.respond(JSON.stringify(errorReply(e)));
    }
  }
  const sub = nc.subscribe(endpoint.subject, {
    queue: 'restack',
    callback: (err, msg) => {
      if (err) {
        l.error({ err: errorMessage(err) }, 'endpoint subscription failed');
        return;
      }
      const p = answer(msg);
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    },
  });
  return {
    subject: endpoint.subject,
    async stop() {
      if (!sub.isClosed() && !nc.isClosed()) await sub.drain().catch(() => undefined);
      await Promise.allSettled([...inflight]);
    },
  };
}

export async function requestEndpoint<Req, Res>(
  nc: NatsConnection,
  endpoint: Endpoint<Req, Res>,
  payload: Req,
  timeoutMs = 10_000,
): Promise<Res> {
  const body = validate(endpoint.request, payload, 'RPC_INVALID_REQUEST', endpoint.subject);
  const started = Date.now();
  let msg: Msg;
  try {
    msg = await nc.request(endpoint.subject, JSON.stringify(body), { timeout: timeoutMs });
  } catch (cause) {
    const noResponders = cause instanceof RequestError && cause.isNoResponders();
    const timeout =
      cause instanceof TimeoutError ||
      (cause instanceof Error && cause.cause instanceof TimeoutError);
    throw new RestackError(
      noResponders ? 'RPC_NO_RESPONDERS' : timeout ? 'RPC_TIMEOUT' : 'RPC_FAILED',
      `${endpoint.subject}: ${noResponders ? 'no service answers it' : errorMessage(cause)}`,
      {
        cause,
        where: endpoint.subject,
        fix: 'check that the service that answers it is running and ready',
      },
    );
  }
  // Only answers too large for one message come with headers (gzip'd, or in parts).
  const reply = validate(
    replySchema,
    msg.headers === undefined
      ? json(msg, 'RPC_INVALID_RESPONSE', endpoint.subject)
      : await headedReplyJson(nc, msg, endpoint.subject, started + timeoutMs),
    'RPC_INVALID_RESPONSE',
    endpoint.subject,
  );
  if (!reply.ok) {
    const { code, message, where, fix } = reply.error;
    throw new RestackError(code, message, { ...(where ? { where } : {}), ...(fix ? { fix } : {}) });
  }
  return validate(endpoint.response, reply.result, 'RPC_INVALID_RESPONSE', endpoint.subject);
}
