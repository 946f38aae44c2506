import type { IncomingMessage } from 'node:http';
import type { Bus, Endpoint } from '@restack/bus';
import { defineEndpoint } from '@restack/bus';
import { errorMessage, isRestackError, type Logger } from '@restack/core';
import { z } from 'zod';
import { sendJson } from './http-util.js';
import type { MountedRoute } from './router.js';

/** What a registry webhook handler takes: the registry watcher's `handleWebhook` has this shape. */
export interface RegistryWebhookRequest {
  headers: IncomingMessage['headers'];
  body: Buffer;
  query: URLSearchParams;
}

export type RegistryWebhookHandler = (
  kind: string,
  req: RegistryWebhookRequest,
) => Promise<{ status: number; body: Record<string, unknown> }>;

/** The graph service's push endpoint as the gateway calls it (the graph service verifies). */
export const PUSH_ENDPOINT: Endpoint<{ body: string; signature?: string }, { updated: unknown }> =
  defineEndpoint({
    subject: 'restack.rpc.graph.push',
    request: z.object({ body: z.string(), signature: z.string().optional() }),
    response: z.object({ updated: z.unknown() }),
  });

export const GITHUB_PUSH_PATH = '/webhooks/github-push';

/**
 * `POST /webhooks/<kind>` answered by a registry webhook handler (the
 * watcher's): the handler authenticates the raw body itself.
 */
export function registryWebhookRoute(handle: RegistryWebhookHandler): MountedRoute {
  return {
    method: 'POST',
    path: '/webhooks/*',
    name: 'registry webhook',
    async handle(req, res, body) {
      const url = new URL(req.url ?? '/', 'http://gateway.invalid');
      const kind = /^\/webhooks\/([a-z-]+)\/?$/.exec(url.pathname)?.[1];
      if (!kind) {
        sendJson(res, 404, { error: 'not found; webhooks go to POST /webhooks/<kind>' });
        return;
      }
      const reply = await handle(kind, { headers: req.headers, body, query: url.searchParams });
      sendJson(res, reply.status, reply.body);
    },
  };
}

/** Codes the graph service answers for a push it refuses (signature, payload, no secret). */
function refusal(code: string): number | null {
  if (code === 'sources.webhook-signature') return 401;
  if (code === 'graph.webhook-secret-missing') return 404;
  if (code.startsWith('sources.webhook') || code === 'RPC_INVALID_REQUEST') return 400;
  return null;
}

/**
 * `POST /webhooks/github-push`: forwards a GitHub push webhook's raw body and
 * `X-Hub-Signature-256` to the graph service (`restack.rpc.graph.push`), which
 * verifies it and re-indexes what changed.
 */
export function githubPushRoute(bus: Bus, log: Logger, timeoutMs = 30_000): MountedRoute {
  return {
    method: 'POST',
    path: GITHUB_PUSH_PATH,
    name: 'github push webhook',
    async handle(req, res, body) {
      const event = req.headers['x-github-event'];
      if (event === 'ping') {
        sendJson(res, 200, { accepted: true, ignored: 'ping' });
        return;
      }
      const header = req.headers['x-hub-signature-256'];
      const signature = Array.isArray(header) ? header[0] : header;
      try {
        const reply = await bus.request(
          PUSH_ENDPOINT,
          { body: body.toString('utf8'), ...(signature ? { signature } : {}) },
          timeoutMs,
        );
        sendJson(res, 202, { accepted: true, updated: reply.updated });
      } catch (e) {
        const status = isRestackError(e) ? refusal(e.code) : null;
        if (status !== null) {
          log.warn({ status, err: errorMessage(e) }, 'github push webhook refused');
          sendJson(res, status, { error: errorMessage(e) });
          return;
        }
        log.error({ err: errorMessage(e) }, 'github push webhook could not be forwarded');
        // 502 makes GitHub show the delivery as failed, so it can be redelivered.
        sendJson(res, 502, { error: 'the graph service did not take the push; deliver it again' });
      }
    },
  };
}
