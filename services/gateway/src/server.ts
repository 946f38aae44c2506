import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errorMessage, type Logger } from '@restack/core';
import { checkBearer } from './auth.js';
import { HttpProblem, readBody, sendJson, sendProblem } from './http-util.js';
import type { GatewayMetrics } from './metrics.js';
import {
  matchMount,
  matchTemplate,
  reservedPath,
  type MountedRoute,
  type Route,
} from './router.js';
import type { StaticFile } from './static.js';

export interface ServerDeps {
  routes: readonly Route[];
  mounts: MountedRoute[];
  files: ReadonlyMap<string, StaticFile>;
  openapi: Buffer;
  token: string | undefined;
  metrics: GatewayMetrics;
  notReady(): string[];
  log: Logger;
}

/** Every method and path template the server answers, for the OpenAPI coverage test. */
export function routeTable(
  deps: Pick<ServerDeps, 'routes' | 'mounts'>,
): { method: string; path: string }[] {
  return [
    { method: 'GET', path: '/' },
    { method: 'GET', path: '/assets/{file}' },
    { method: 'GET', path: '/openapi.yaml' },
    { method: 'GET', path: '/livez' },
    { method: 'GET', path: '/readyz' },
    { method: 'GET', path: '/metrics' },
    ...deps.routes.map((r) => ({ method: r.method, path: r.path })),
    ...deps.mounts.map((m) => ({ method: m.method, path: m.path })),
  ];
}

function sendFile(res: ServerResponse, type: string, body: Buffer | string, status = 200): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

export function createGatewayServer(deps: ServerDeps): Server {
  const { log } = deps;

  /** Answers a request and returns the route label for metrics. */
  async function dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    mark: (label: string) => void,
  ): Promise<string> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const read = method === 'GET' || method === 'HEAD';
    if (read && path === '/livez') return (sendFile(res, 'text/plain', 'ok\n'), path);
    if (read && path === '/readyz') {
      const reasons = deps.notReady();
      if (reasons.length === 0) sendFile(res, 'text/plain', 'ready\n');
      else sendJson(res, 503, { ready: false, reasons });
      return path;
    }
    if (read && path === '/metrics') {
      sendFile(res, deps.metrics.registry.contentType, await deps.metrics.registry.metrics());
      return path;
    }
    if (read && path === '/openapi.yaml')
      return (sendFile(res, 'application/yaml; charset=utf-8', deps.openapi), path);
    if (read && (path === '/' || path === '/index.html')) {
      const index = deps.files.get('index.html');
      if (index) return (sendFile(res, index.type, index.body), '/');
    }
    const asset = matchTemplate('/assets/{file}', path);
    if (read && asset) {
      const file = deps.files.get(asset.file ?? '');
      if (!file) throw new HttpProblem(404, 'NOT_FOUND', `no asset ${asset.file}`);
      return (sendFile(res, file.type, file.body), '/assets/{file}');
    }
    const candidates = deps.routes.filter((r) => matchTemplate(r.path, path));
    const route = candidates.find(
      (r) => r.method === method || (method === 'HEAD' && r.method === 'GET'),
    );
    if (route) {
      mark(route.path);
      if (route.auth === 'bearer') authorize(req);
      const body = route.method === 'GET' ? Buffer.alloc(0) : await readBody(req);
      await route.handle({ req, res, url, params: matchTemplate(route.path, path)!, body });
      return route.path;
    }
    const mount = deps.mounts.find((m) => m.method === method && matchMount(m, path));
    if (mount) {
      mark(mount.path);
      if (mount.auth === 'bearer') authorize(req);
      await mount.handle(req, res, await readBody(req));
      return mount.path;
    }
    const known = candidates[0]?.path ?? deps.mounts.find((m) => matchMount(m, path))?.path;
    if (known) {
      mark(known);
      throw new HttpProblem(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`);
    }
    throw new HttpProblem(404, 'NOT_FOUND', `no route for ${method} ${path}`);
  }

  function authorize(req: IncomingMessage): void {
    const result = checkBearer(req, deps.token);
    if (!result.ok) {
      const p = new HttpProblem(
        result.status,
        result.status === 503 ? 'AUTH_DISABLED' : 'UNAUTHORIZED',
        result.message,
      );
      throw Object.assign(p, { challenge: result.challenge });
    }
  }

  return createServer((req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    // Unknown paths share one label so that scanners cannot blow up the label set.
    let label = 'unmatched';
    dispatch(req, res, url, (l) => (label = l))
      .then((l) => (label = l))
      .catch((e: unknown) => {
        const p =
          e instanceof HttpProblem
            ? e
            : new HttpProblem(500, 'INTERNAL', 'internal error; the gateway log says more');
        if (!(e instanceof HttpProblem))
          log.error({ err: errorMessage(e), path: url.pathname }, 'http request failed');
        const challenge = (e as { challenge?: boolean }).challenge === true;
        if (!res.headersSent)
          sendProblem(res, p, challenge ? { 'www-authenticate': 'Bearer realm="restack"' } : {});
        else res.end();
      })
      .finally(() => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        deps.metrics.observeRequest(req.method ?? 'GET', label, res.statusCode, seconds);
      });
  });
}

export function assertMountable(mount: MountedRoute, existing: readonly MountedRoute[]): void {
  if (!mount.path.startsWith('/') || reservedPath(mount.path)) {
    throw new HttpProblem(
      500,
      'MOUNT_INVALID',
      `cannot mount ${mount.name} on ${mount.path}: the gateway serves that path`,
    );
  }
  if (existing.some((m) => m.method === mount.method && m.path === mount.path)) {
    throw new HttpProblem(500, 'MOUNT_TAKEN', `${mount.method} ${mount.path} is already mounted`);
  }
}
