import http from 'node:http';
import https from 'node:https';

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Uint8Array;
  timeoutMs: number;
  /** Larger bodies are refused: manifests are small, a huge body is hostile. */
  maxBytes: number;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: URL;
}

/** Why a request got no usable response. */
export class TransportError extends Error {
  readonly code: string;
  constructor(code: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'TransportError';
    this.code = code;
  }
}

export interface HttpAgents {
  http: http.Agent;
  https: https.Agent;
  close(): void;
}

export function createAgents(): HttpAgents {
  const agents = {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true }),
  };
  return { ...agents, close: () => (agents.http.destroy(), agents.https.destroy()) };
}

const MAX_REDIRECTS = 5;

/**
 * One HTTP exchange with redirects followed (blob GETs often redirect to a
 * CDN). Authorization is dropped when a redirect leaves the origin, so a
 * registry token never reaches a storage host.
 */
export async function httpRequest(agents: HttpAgents, req: HttpRequest): Promise<HttpResponse> {
  let url = req.url;
  let headers = req.headers;
  for (let hop = 0; ; hop++) {
    const res = await exchange(agents, { ...req, url, headers });
    const location = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(res.status) || !location || hop >= MAX_REDIRECTS) {
      return res;
    }
    const next = new URL(location, url);
    if (next.origin !== url.origin) {
      headers = Object.fromEntries(
        Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'),
      );
    }
    url = next;
  }
}

function exchange(agents: HttpAgents, req: HttpRequest): Promise<HttpResponse> {
  const secure = req.url.protocol === 'https:';
  const request = secure ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...req.headers };
    if (req.body) headers['content-length'] = String(req.body.length);
    const r = request(req.url, {
      method: req.method,
      headers,
      agent: secure ? agents.https : agents.http,
    });
    // Why we destroyed the request ourselves; wins over the error that follows.
    let aborted: TransportError | null = null;
    const abort = (e: TransportError) => {
      aborted ??= e;
      r.destroy(e);
    };
    const timer = setTimeout(() => {
      abort(new TransportError('TIMEOUT', `no complete answer within ${req.timeoutMs} ms`));
    }, req.timeoutMs);
    const fail = (e: unknown) => {
      clearTimeout(timer);
      if (aborted) return reject(aborted);
      if (e instanceof TransportError) return reject(e);
      const code = (e as NodeJS.ErrnoException).code ?? 'ERROR';
      reject(new TransportError(code, (e as Error).message, e));
    };
    r.on('error', fail);
    r.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > req.maxBytes) {
          abort(new TransportError('TOO_LARGE', `the body is larger than ${req.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete) {
          fail(
            new TransportError('TRUNCATED', 'the connection closed before the whole body arrived'),
          );
          return;
        }
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          url: req.url,
        });
      });
    });
    r.end(req.body);
  });
}
