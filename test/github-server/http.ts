import type { IncomingMessage, ServerResponse } from 'node:http';

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    ...(payload ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    ...headers,
  });
  res.end(payload);
}

const RATE_LIMIT = 5000;

/**
 * The x-ratelimit-* headers GitHub sends on every answer, counted per caller
 * over one hour-long window.
 * https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
 */
export function createRateCounter(): (
  identity: string,
  requestId: string,
) => Record<string, string> {
  const used = new Map<string, number>();
  const windowReset = Math.floor(Date.now() / 1000) + 3600;
  return (identity, requestId) => {
    const count = (used.get(identity) ?? 0) + 1;
    used.set(identity, count);
    return {
      'x-github-request-id': requestId,
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(Math.max(RATE_LIMIT - count, 0)),
      'x-ratelimit-used': String(count),
      'x-ratelimit-reset': String(windowReset),
      'x-ratelimit-resource': 'core',
    };
  };
}
