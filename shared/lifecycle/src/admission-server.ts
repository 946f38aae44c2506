import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RestackError, errorMessage, type Logger } from '@restack/core';
import type { Catalog, LifecycleConfig } from '@restack/eol';
import { reviewAdmission, type AdmissionDeps, type ImageCheck } from './admission-review.js';
import { evaluatePolicies } from './evaluate.js';
import type { ImageInspector } from './facts.js';
import { imageSubject } from './image-subject.js';
import type { Policy } from './schema.js';

export interface AdmissionCheckerOptions {
  inspector: ImageInspector;
  policies: readonly Policy[];
  catalog: Catalog;
  lifecycle?: LifecycleConfig;
  clock: () => Date;
}

/** Checks one image against the policies, from its registry config (stateless: no first-seen, no drift history). */
export function createAdmissionChecker(
  options: AdmissionCheckerOptions,
): (image: string) => Promise<ImageCheck> {
  return async (image) => {
    const now = options.clock();
    const subject = await imageSubject(image, { inspector: options.inspector }, now);
    const verdict = evaluatePolicies(subject, options.policies, {
      now,
      catalog: options.catalog,
      ...(options.lifecycle ? { lifecycle: options.lifecycle } : {}),
      sources: [
        { kind: 'eol-catalog', detail: `end-of-life catalog data of ${options.catalog.dataDate}` },
      ],
    });
    return { verdict, unreadable: subject.failure };
  };
}

export interface AdmissionServerOptions {
  /** PEM. */
  key: string | Buffer;
  cert: string | Buffer;
  port: number;
  host?: string;
  /** Where reviews are POSTed. Default `/admission/validate` (the Helm chart's path). */
  path?: string;
  deps: AdmissionDeps;
  log: Logger;
}

export interface AdmissionServer {
  readonly port: number;
  close(): Promise<void>;
}

/** The API server sends at most 3 MiB objects; a little more for the envelope. */
const MAX_BODY = 4 * 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The validating webhook over TLS: `POST /admission/validate` takes an AdmissionReview,
 * `GET /healthz` answers for probes.
 * https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#webhook-request-and-response
 */
export async function startAdmissionServer(
  options: AdmissionServerOptions,
): Promise<AdmissionServer> {
  const { log } = options;
  const reviewPath = options.path ?? '/admission/validate';
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'https://local').pathname;
    if (req.method === 'GET' && path === '/healthz') return send(res, 200, 'ok\n');
    if (path !== reviewPath) return send(res, 404, 'not found\n');
    if (req.method !== 'POST') return send(res, 405, 'method not allowed\n');
    const text = await readBody(req);
    if (text === null) return send(res, 413, 'request too large\n');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return send(res, 400, 'the body is not JSON\n');
    }
    const outcome = await reviewAdmission(body, options.deps);
    if (!outcome.ok) {
      log.warn({ reason: outcome.message }, 'admission review rejected');
      return send(res, outcome.status, `${outcome.message}\n`);
    }
    const r = outcome.review.response;
    log.info(
      { uid: r.uid, allowed: r.allowed, warnings: r.warnings?.length ?? 0 },
      'admission review answered',
    );
    send(res, 200, outcome.review);
  }
  const server: Server = createServer({ key: options.key, cert: options.cert }, (req, res) => {
    route(req, res).catch((e: unknown) => {
      log.error({ err: errorMessage(e) }, 'admission request failed');
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.end();
    });
  });
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(
        new RestackError(
          'ADMISSION_LISTEN_FAILED',
          `cannot listen on ${host}:${options.port}: ${cause.message}`,
          {
            cause,
            where: `${host}:${options.port}`,
            fix: 'choose a free port for the admission webhook',
          },
        ),
      ),
    );
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ host, port }, 'admission webhook listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
