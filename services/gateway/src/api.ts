import { errorMessage, isRestackError, type Logger } from '@restack/core';
import { formatReference, parseReference } from '@restack/reference';
import type { z } from 'zod';
import { HttpProblem, parseJsonBody, sendJson } from './http-util.js';
import type { GatewayPorts } from './ports.js';
import type { RequestContext, Route } from './router.js';
import {
  campaignIdSchema,
  deadLetterQuerySchema,
  planQuerySchema,
  triggerRequestSchema,
} from './schema.js';

function invalid(error: z.ZodError, what: string): HttpProblem {
  const issue = error.issues[0];
  const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
  return new HttpProblem(400, 'INVALID_REQUEST', `${what}${where}: ${issue?.message ?? 'invalid'}`);
}

/** A valid reference, normalised as `restack plan` prints it; 400 naming the problem otherwise. */
export function normaliseRef(raw: string, field: string): string {
  const parsed = parseReference(raw);
  if (!parsed.ok) {
    throw new HttpProblem(
      400,
      'INVALID_REFERENCE',
      `${field} "${raw}" is not a valid image reference: ${parsed.error}`,
      'give a reference such as debian:bookworm or ghcr.io/org/app:1',
    );
  }
  return formatReference(parsed.ref);
}

/** Turns a port failure into 502/503 with what failed, never a stack trace. */
async function fromPort<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof HttpProblem) throw e;
    const code = isRestackError(e) ? e.code : 'UPSTREAM_FAILED';
    throw new HttpProblem(502, code, `${what} failed: ${errorMessage(e)}`);
  }
}

export interface ApiDeps {
  ports: GatewayPorts;
  log: Logger;
  /** Counts a published trigger (events out). */
  published(type: string): void;
}

/** The gateway's API routes; the contract is ../openapi.yaml. */
export function apiRoutes(deps: ApiDeps): Route[] {
  const { ports } = deps;
  const get = (path: string, handle: (ctx: RequestContext) => Promise<void>): Route => ({
    method: 'GET',
    path,
    auth: 'none',
    handle,
  });
  return [
    get('/api/graph', async ({ res }) =>
      sendJson(res, 200, await fromPort('graph', () => ports.graph.graph())),
    ),
    get('/api/plan', async ({ res, url }) => {
      const query = planQuerySchema.safeParse({ changed: url.searchParams.getAll('changed') });
      if (!query.success) throw invalid(query.error, 'query');
      const changed = query.data.changed.map((c) => normaliseRef(c, 'changed'));
      sendJson(res, 200, await fromPort('plan', () => ports.graph.plan(changed)));
    }),
    get('/api/images', async ({ res }) =>
      sendJson(res, 200, { images: await fromPort('images', () => ports.images.images()) }),
    ),
    get('/api/reports/deprecated', async ({ res }) =>
      sendJson(res, 200, await fromPort('deprecated report', () => ports.images.deprecated())),
    ),
    get('/api/campaigns', async ({ res }) =>
      sendJson(res, 200, { campaigns: await fromPort('campaigns', () => ports.campaigns.list()) }),
    ),
    get('/api/campaigns/{id}', async ({ res, params }) => {
      const id = campaignIdSchema.safeParse(params.id);
      if (!id.success) throw invalid(id.error, 'campaign id');
      const campaign = await fromPort('campaign', () => ports.campaigns.get(id.data));
      if (!campaign) throw new HttpProblem(404, 'CAMPAIGN_NOT_FOUND', `no campaign ${id.data}`);
      sendJson(res, 200, campaign);
    }),
    get('/api/deadletters', async ({ res, url }) => {
      const query = deadLetterQuerySchema.safeParse(Object.fromEntries(url.searchParams));
      if (!query.success) throw invalid(query.error, 'query');
      const limit = query.data.limit;
      sendJson(res, 200, {
        deadLetters: await fromPort('dead letters', () => ports.deadLetters.list(limit)),
      });
    }),
    {
      method: 'POST',
      path: '/api/campaigns',
      auth: 'bearer',
      async handle({ res, body }) {
        const request = triggerRequestSchema.safeParse(parseJsonBody(body));
        if (!request.success) throw invalid(request.error, 'body');
        const ref = normaliseRef(request.data.ref, 'ref');
        const trigger = ports.trigger;
        if (!trigger) {
          throw new HttpProblem(
            503,
            'NO_BUS',
            'manual triggers need NATS, and this gateway runs without it',
            'start the gateway with a bus (restack up does)',
          );
        }
        let digest = request.data.digest;
        if (!digest) {
          const resolve = ports.resolveDigest;
          if (!resolve) {
            throw new HttpProblem(
              400,
              'DIGEST_REQUIRED',
              'this gateway cannot look digests up: give "digest"',
              'send {"ref": "...", "digest": "sha256:..."}',
            );
          }
          digest = await fromPort('digest lookup', () => resolve(ref));
        }
        const result = await fromPort('publish', () => trigger.trigger({ ref, digest }));
        deps.published(result.type);
        deps.log.info({ ref, digest, eventId: result.eventId }, 'manual trigger published');
        sendJson(res, 202, result);
      },
    },
  ];
}
