import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RestackError, errorMessage, type Logger } from '@restack/core';
import type { Registry } from 'prom-client';

export interface HttpSettings {
  port: number;
  /** Default 0.0.0.0 so that Kubernetes probes reach it. */
  host?: string;
}

export interface HealthSource {
  registry: Registry;
  /** Why the process is not ready, or an empty list when it is. */
  notReady(): string[];
}

export interface HttpEndpoint {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** /livez (the process answers), /readyz (it can take work) and /metrics (Prometheus). */
export async function startHttpServer(
  settings: HttpSettings,
  health: HealthSource,
  log: Logger,
): Promise<HttpEndpoint> {
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain', 'method not allowed\n');
    if (path === '/livez') return send(res, 200, 'text/plain', 'ok\n');
    if (path === '/readyz') {
      const reasons = health.notReady();
      if (reasons.length === 0) return send(res, 200, 'text/plain', 'ready\n');
      return send(res, 503, 'application/json', `${JSON.stringify({ ready: false, reasons })}\n`);
    }
    if (path === '/metrics') {
      return send(res, 200, health.registry.contentType, await health.registry.metrics());
    }
    send(res, 404, 'text/plain', 'not found\n');
  }
  const server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      log.error({ err: errorMessage(e), path: req.url }, 'http request failed');
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.end();
    });
  });
  const host = settings.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(
        new RestackError(
          'HTTP_LISTEN_FAILED',
          `cannot listen on ${host}:${settings.port}: ${cause.message}`,
          {
            cause,
            where: `${host}:${settings.port}`,
            fix: 'choose a free port for the service HTTP server',
          },
        ),
      ),
    );
    server.listen(settings.port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  log.info({ host, port: address.port }, 'http listening');
  return {
    host,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
