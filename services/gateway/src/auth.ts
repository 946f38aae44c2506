import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export type AuthResult =
  { ok: true } | { ok: false; status: 401 | 403 | 503; message: string; challenge: boolean };

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Checks `Authorization: Bearer <token>` in constant time: both sides are
 * hashed first so that neither the content nor the length leaks through timing.
 * The token is never logged or echoed.
 */
export function checkBearer(req: IncomingMessage, token: string | undefined): AuthResult {
  if (!token) {
    return {
      ok: false,
      status: 503,
      message:
        'state-changing calls are disabled: no API token is configured (set the variable named by gateway.apiTokenEnv)',
      challenge: false,
    };
  }
  const header = req.headers.authorization;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  if (!match) {
    return {
      ok: false,
      status: 401,
      message: 'missing bearer token: send Authorization: Bearer <token>',
      challenge: true,
    };
  }
  if (!timingSafeEqual(digest(match[1]!), digest(token))) {
    return { ok: false, status: 403, message: 'the bearer token is not valid', challenge: false };
  }
  return { ok: true };
}
