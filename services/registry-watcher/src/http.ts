import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RestackError, errorMessage, type Logger } from '@restack/core';
import { MAX_WEBHOOK_BYTES, type WebhookRequest } from '@restack/webhooks';

export interface WebhookHttpSettings {
  /** 0 picks a free port. */
  port: number;
  /** Default 0.0.0.0: registries post from elsewhere. */
  host?: string;
}

export interface WebhookReply {
  status: number;
  body: Record<string, unknown>;
}

export interface WebhookServer {
  /** `http://<host>:<port>`; webhooks go to `<url>/webhooks/<kind>`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function reply(res: ServerResponse, r: WebhookReply): void {
  res.writeHead(r.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(r.body)}\n`);
}

/** Reads the body up to the limit; null when it is larger (the rest is not read). */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_WEBHOOK_BYTES) {
        req.removeAllListeners('data');
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The watcher's own HTTP listener for `POST /webhooks/<kind>`. The service
 * runner's server answers only GET probes and metrics, so webhooks get
 * their own port.
 */
export async function startWebhookServer(
  settings: WebhookHttpSettings,
  handle: (kind: string, req: WebhookRequest) => Promise<WebhookReply>,
  log: Logger,
): Promise<WebhookServer> {
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const match = /^\/webhooks\/([a-z-]+)\/?$/.exec(url.pathname);
    if (!match)
      return reply(res, {
        status: 404,
        body: { error: 'not found; webhooks go to POST /webhooks/<kind>' },
      });
    if (req.method !== 'POST')
      return reply(res, { status: 405, body: { error: 'webhooks must be POSTed' } });
    const body = await readBody(req);
    if (body === null) {
      res.setHeader('connection', 'close');
      return reply(res, {
        status: 413,
        body: { error: `the webhook body is larger than ${MAX_WEBHOOK_BYTES} bytes` },
      });
    }
    reply(res, await handle(match[1]!, { headers: req.headers, body, query: url.searchParams }));
  }
  const server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      log.error(
        { err: errorMessage(e), path: new URL(req.url ?? '/', 'http://local').pathname },
        'webhook request failed',
      );
      if (!res.headersSent) reply(res, { status: 500, body: { error: 'internal error' } });
      else res.end();
    });
  });
  const host = settings.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(
        new RestackError(
          'WATCHER_LISTEN_FAILED',
          `cannot listen for webhooks on ${host}:${settings.port}: ${cause.message}`,
          {
            cause,
            where: `${host}:${settings.port}`,
            fix: 'choose a free port for the registry watcher webhooks',
          },
        ),
      ),
    );
    server.listen(settings.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ host, port }, 'webhooks listening');
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
