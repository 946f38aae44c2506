import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 1024 * 1024;

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(`${JSON.stringify(body)}\n`);
}

/** Errors as `{error: {code, message, fix?}}`, the same shape for every API route. */
export function sendProblem(
  res: ServerResponse,
  p: HttpProblem,
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    p.status,
    { error: { code: p.code, message: p.message, ...(p.fix ? { fix: p.fix } : {}) } },
    p.status === 413 ? { ...headers, connection: 'close' } : headers,
  );
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        // Stop reading but keep the socket, so the client gets the 413 (sent with
        // `connection: close`) instead of a reset connection.
        req.removeAllListeners('data');
        req.pause();
        reject(
          new HttpProblem(413, 'BODY_TOO_LARGE', `request body is over ${MAX_BODY_BYTES} bytes`),
        );
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0)
    throw new HttpProblem(400, 'BODY_MISSING', 'the request needs a JSON body');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpProblem(400, 'BODY_NOT_JSON', 'the request body is not valid JSON');
  }
}
