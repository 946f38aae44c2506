import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';

/** Which requests a fault applies to; `path` as a string matches a substring. */
export interface Match {
  method?: string;
  path?: string | RegExp;
}

export type Fault =
  /** Answer with this status without asking the registry (429 with Retry-After, 500, ...). */
  | { type: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Never answer; the connection stays open until the client gives up or the proxy closes. */
  | { type: 'hang' }
  /** Forward, then send only half the body and close the connection. */
  | { type: 'truncate' }
  /** Forward, replacing Docker-Content-Digest with `value`, or removing it when null. */
  | { type: 'digest'; value: string | null }
  /** Forward, adding these headers to the real answer (e.g. `ratelimit-remaining`). */
  | { type: 'headers'; set: Record<string, string> }
  /** Close the connection at once, as a crashed server would. */
  | { type: 'reset' };

export interface RecordedRequest {
  seq: number;
  method: string;
  path: string;
  /** Date.now() when the request arrived. */
  at: number;
  /** The status sent, or null when the proxy hung or reset. */
  status: number | null;
  /** The faults applied to this request. */
  faults: Fault['type'][];
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>`: use it as the registry host in image references. */
  host: string;
  requests: RecordedRequest[];
  /** Applies `fault` to the next `times` matching requests (default: every one); faults combine. */
  inject(fault: Fault, options?: { match?: Match; times?: number }): void;
  clearFaults(): void;
  /** Forgets faults and recorded requests. */
  reset(): void;
  count(match?: Match): number;
  close(): Promise<void>;
}

interface Rule {
  fault: Fault;
  match: Match;
  left: number;
}

function matches(m: Match, method: string, path: string): boolean {
  if (m.method !== undefined && m.method.toUpperCase() !== method) return false;
  if (m.path === undefined) return true;
  return typeof m.path === 'string' ? path.includes(m.path) : m.path.test(path);
}

/** An HTTP proxy in front of a registry that injects faults and counts requests. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let rules: Rule[] = [];
  const requests: RecordedRequest[] = [];

  /** Every rule matching this request applies once (a missing header and a truncation can combine). */
  function take(method: string, path: string): Fault[] {
    const hits = rules.filter((r) => r.left > 0 && matches(r.match, method, path));
    for (const r of hits) r.left--;
    return hits.map((r) => r.fault);
  }

  function forward(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const up = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 502,
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          );
          res.on('error', reject);
        },
      );
      up.on('error', reject);
      up.end(body);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const faults = take(method, path);
    const find = <T extends Fault['type']>(type: T) =>
      faults.find((f): f is Extract<Fault, { type: T }> => f.type === type);
    const record: RecordedRequest = {
      seq: requests.length,
      method,
      path,
      at: Date.now(),
      status: null,
      faults: faults.map((f) => f.type),
    };
    requests.push(record);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (find('hang')) return;
    if (find('reset')) {
      req.socket.destroy();
      return;
    }
    const status = find('status');
    if (status) {
      record.status = status.status;
      res.writeHead(status.status, { 'content-type': 'application/json', ...status.headers });
      res.end(
        status.body ??
          JSON.stringify({ errors: [{ code: 'INJECTED', message: `injected ${status.status}` }] }),
      );
      return;
    }
    const up = await forward(req, Buffer.concat(chunks));
    const headers = { ...up.headers };
    const digest = find('digest');
    if (digest) {
      delete headers['docker-content-digest'];
      if (digest.value !== null) headers['docker-content-digest'] = digest.value;
    }
    Object.assign(headers, find('headers')?.set);
    record.status = up.status;
    res.writeHead(up.status, headers);
    if (find('truncate') && up.body.length > 1) {
      res.write(up.body.subarray(0, Math.floor(up.body.length / 2)), () => res.socket?.destroy());
      return;
    }
    res.end(up.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    inject(fault, options = {}) {
      rules.push({ fault, match: options.match ?? {}, left: options.times ?? Infinity });
    },
    clearFaults: () => void (rules = []),
    reset() {
      rules = [];
      requests.length = 0;
    },
    count: (m = {}) => requests.filter((r) => matches(m, r.method, r.path)).length,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
