import type { Logger } from '@restack/core';
import { RegistryError } from './failure.js';
import { httpRequest, TransportError, type HttpAgents, type HttpResponse } from './http.js';
import { PausedError, type Limiter } from './limiter.js';
import type { RequestCounter, RequestKind } from './metrics.js';
import {
  RETRYABLE_STATUSES,
  backoffMs,
  isPermanentNetworkError,
  parseRateLimitRemaining,
  parseRetryAfter,
  sleep,
} from './retry.js';
import type { EffectiveSettings, Endpoint } from './settings.js';

export interface Connection {
  endpoint: Endpoint;
  settings: EffectiveSettings;
  limiter: Limiter;
}

export interface TransportDeps {
  agents: HttpAgents;
  counter: RequestCounter;
  logger: Logger;
  now: () => number;
}

export interface SendRequest {
  kind: RequestKind;
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Uint8Array;
  maxBytes: number;
  /** The reference or repository, for messages. */
  subject: string;
}

export interface SentResponse extends HttpResponse {
  attempts: number;
}

/**
 * Sends one request politely: through the registry's limiter, retried with
 * jittered backoff after a network error, a timeout, a 5xx or a 429 (whose
 * Retry-After pauses this registry, and only this one).
 */
export async function send(
  deps: TransportDeps,
  conn: Connection,
  req: SendRequest,
): Promise<SentResponse> {
  const { endpoint, settings, limiter } = conn;
  const log = {
    registry: endpoint.key,
    method: req.method,
    path: req.url.pathname,
    kind: req.kind,
  };
  for (let attempt = 0; ; attempt++) {
    const release = await acquire(limiter, endpoint, req);
    let res: HttpResponse;
    try {
      res = await httpRequest(deps.agents, { ...req, timeoutMs: settings.timeoutMs });
    } catch (e) {
      release();
      const error = e instanceof TransportError ? e : new TransportError('ERROR', String(e), e);
      const timeout = error.code === 'TIMEOUT';
      deps.counter.record(req.kind, endpoint.key, req.method, timeout ? 'timeout' : 'error');
      if (isPermanentNetworkError(error.code) || attempt >= settings.retries) {
        throw networkError(endpoint, req, error, attempt + 1);
      }
      const delayMs = backoffMs(attempt);
      deps.logger.warn({ ...log, error: error.code, attempt, delayMs }, 'registry request retried');
      await sleep(delayMs);
      continue;
    }
    release();
    deps.counter.record(req.kind, endpoint.key, req.method, String(res.status));
    deps.logger.debug({ ...log, status: res.status }, 'registry request');
    honourRateLimit(deps, conn, res);
    if (res.status === 429) {
      const pauseMs = parseRetryAfter(header(res, 'retry-after'), deps.now()) ?? backoffMs(attempt);
      limiter.pauseUntil(deps.now() + pauseMs);
      deps.logger.warn({ ...log, status: 429, pauseMs, attempt }, 'registry paused');
      if (attempt >= settings.retries || pauseMs > settings.maxRetryAfterMs) {
        throw rateLimited(endpoint, req, deps.now() + pauseMs);
      }
      continue; // the limiter holds the retry until the pause ends
    }
    if (RETRYABLE_STATUSES.has(res.status) && attempt < settings.retries) {
      const delayMs = backoffMs(attempt);
      deps.logger.warn(
        { ...log, status: res.status, attempt, delayMs },
        'registry request retried',
      );
      await sleep(delayMs);
      continue;
    }
    return { ...res, attempts: attempt + 1 };
  }
}

async function acquire(
  limiter: Limiter,
  endpoint: Endpoint,
  req: SendRequest,
): Promise<() => void> {
  try {
    return await limiter.acquire();
  } catch (e) {
    if (e instanceof PausedError) throw rateLimited(endpoint, req, e.until);
    throw e;
  }
}

/** `ratelimit-remaining: 0` means the next pulls would get 429: pause until the window allows. */
function honourRateLimit(deps: TransportDeps, conn: Connection, res: HttpResponse): void {
  const limit = parseRateLimitRemaining(header(res, 'ratelimit-remaining'));
  if (limit === null || limit.remaining > 0) return;
  const pauseMs =
    parseRetryAfter(header(res, 'retry-after'), deps.now()) ??
    (limit.windowSeconds !== null ? limit.windowSeconds * 1000 : null);
  if (pauseMs === null) return;
  conn.limiter.pauseUntil(deps.now() + pauseMs);
  deps.logger.warn({ registry: conn.endpoint.key, pauseMs, remaining: 0 }, 'registry paused');
}

export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function networkError(
  endpoint: Endpoint,
  req: SendRequest,
  e: TransportError,
  attempts: number,
): RegistryError {
  const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
  const target = `registry ${endpoint.key} (${req.url.origin})`;
  const what = req.kind === 'token' ? `a token for ${req.subject}` : req.subject;
  const details = { registry: endpoint.key, subject: req.subject, cause: e };
  if (e.code === 'TIMEOUT') {
    return new RegistryError(
      'timeout',
      `${target} did not answer ${req.method} for ${what} in time: ${e.message}${tries}`,
      details,
    );
  }
  const tls = isPermanentNetworkError(e.code) && req.url.protocol === 'https:';
  // OpenSSL messages run over several lines of internals; one line says enough.
  const detail = /wrong version number/.test(e.message)
    ? 'the server did not answer in TLS'
    : (e.message.split('\n')[0] ?? e.code);
  const hint = tls ? '; if it serves plain http, configure it as insecure in restack.yaml' : '';
  return new RegistryError(
    'network',
    `restack could not get ${what} from ${target}: ${detail}${hint}${tries}`,
    details,
  );
}

function rateLimited(endpoint: Endpoint, req: SendRequest, until: number): RegistryError {
  return new RegistryError(
    'rate-limited',
    `registry ${endpoint.key} asked restack to pause until ${new Date(until).toISOString()} (429 Too Many Requests); ${req.subject} was not looked up`,
    { registry: endpoint.key, subject: req.subject, status: 429 },
  );
}
