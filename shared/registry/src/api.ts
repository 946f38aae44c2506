import type { Logger } from '@restack/core';
import { createAuth, type Auth } from './auth.js';
import type { CredentialStore } from './docker-config.js';
import { RegistryError } from './failure.js';
import { createAgents } from './http.js';
import { createLimiter } from './limiter.js';
import type { RequestCounter } from './metrics.js';
import { errorBodySchema, type RegistriesSettings } from './schema.js';
import { endpointFor, registryKey, settingsFor } from './settings.js';
import {
  header,
  send,
  type Connection,
  type SentResponse,
  type TransportDeps,
} from './transport.js';

export interface ApiRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';
  /** Path and query below the registry root, e.g. `/v2/library/debian/manifests/12`. */
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Token scopes this request needs, e.g. `repository:library/debian:pull`. */
  scopes: string[];
  /** The reference or repository, for messages. */
  subject: string;
  maxBytes?: number;
}

export interface ApiDeps {
  registries: RegistriesSettings;
  credentials: CredentialStore;
  counter: RequestCounter;
  logger: Logger;
  /** Clock for token expiry only; pauses and rates always use real time. */
  tokenClock: () => number;
}

export interface Api {
  request(domain: string, req: ApiRequest): Promise<SentResponse>;
  /** The registry key (`docker.io`, `localhost:5000`) a domain is counted and configured under. */
  keyOf(domain: string): string;
  close(): void;
}

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
const USER_AGENT = 'restack';

interface Registry extends Connection {
  auth: Auth;
}

export function createApi(deps: ApiDeps): Api {
  const agents = createAgents();
  const transport: TransportDeps = {
    agents,
    counter: deps.counter,
    logger: deps.logger,
    now: Date.now,
  };
  const registries = new Map<string, Registry>();

  function registry(domain: string): Registry {
    const key = registryKey(domain);
    let r = registries.get(key);
    if (r) return r;
    const settings = settingsFor(domain, deps.registries);
    const endpoint = endpointFor(domain, settings);
    const limiter = createLimiter(
      {
        concurrency: settings.concurrency,
        requestsPerSecond: settings.requestsPerSecond,
        maxWaitMs: settings.maxRetryAfterMs,
      },
      Date.now,
    );
    const conn: Connection = { endpoint, settings, limiter };
    const auth = createAuth({
      endpoint,
      insecure: settings.insecure,
      credentials: deps.credentials,
      now: deps.tokenClock,
      sendToken: (t) =>
        send(transport, conn, {
          kind: 'token',
          method: t.method,
          url: t.url,
          headers: { 'user-agent': USER_AGENT, ...t.headers },
          body: t.body,
          maxBytes: 1024 * 1024,
          subject: endpoint.key,
        }),
    });
    r = { ...conn, auth };
    registries.set(key, r);
    return r;
  }

  async function request(domain: string, req: ApiRequest): Promise<SentResponse> {
    const r = registry(domain);
    const url = new URL(req.path, r.endpoint.baseUrl);
    if (url.origin !== new URL(r.endpoint.baseUrl).origin) {
      // An upload Location or page link on another host must not receive our credentials.
      throw new RegistryError(
        'bad-response',
        `registry ${r.endpoint.key} pointed restack at another host (${url.origin}) for ${req.subject}`,
        {
          registry: r.endpoint.key,
          subject: req.subject,
        },
      );
    }
    const once = (authorization: string | null) =>
      send(transport, r, {
        kind: 'api',
        method: req.method,
        url,
        headers: {
          'user-agent': USER_AGENT,
          ...req.headers,
          ...(authorization ? { authorization } : {}),
        },
        body: req.body,
        maxBytes: req.maxBytes ?? DEFAULT_MAX_BYTES,
        subject: req.subject,
      });
    const first = await naming(req.subject, r.auth.authorization(req.scopes));
    const res = await once(first);
    if (res.status !== 401) return res;
    const challenge = header(res, 'www-authenticate');
    const retry = await naming(req.subject, r.auth.answerChallenge(challenge, req.scopes, first));
    return retry === null ? res : once(retry);
  }

  return { request, keyOf: registryKey, close: () => agents.close() };
}

/** Token and credential failures name the registry; add the reference they stopped. */
async function naming<T>(subject: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (!(e instanceof RegistryError) || e.where === subject) throw e;
    throw new RegistryError(e.kind, `${e.message}, so ${subject} was not looked up`, {
      registry: e.registry,
      subject,
      status: e.status,
      cause: e.cause ?? e,
    });
  }
}

/** Error codes in a registry's JSON error body (empty for HEAD or non-JSON bodies). */
export function errorCodes(res: SentResponse): string[] {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(res.body.toString('utf8')));
    return parsed.success ? parsed.data.errors.map((e) => e.code) : [];
  } catch {
    return [];
  }
}

const MISSING_CODES = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN', 'BLOB_UNKNOWN']);

/** The failure a non-success status means, in a sentence naming registry and subject. */
export function statusError(registry: string, what: string, res: SentResponse): RegistryError {
  const codes = errorCodes(res);
  const codeText = codes.length > 0 ? ` ${codes.join(', ')}` : '';
  const status = `${res.status}${codeText}`;
  const details = { registry, subject: what, status: res.status };
  const tries = res.attempts > 1 ? ` after ${res.attempts} attempts` : '';
  if (res.status === 404 && (codes.length === 0 || codes.some((c) => MISSING_CODES.has(c)))) {
    return new RegistryError(
      'missing',
      `${what} does not exist on registry ${registry} (${status})`,
      details,
    );
  }
  if (res.status === 401) {
    return new RegistryError(
      'unauthorized',
      `registry ${registry} refused access to ${what} (${status}); the repository needs credentials restack does not have, or does not exist`,
      details,
    );
  }
  if (res.status === 403) {
    return new RegistryError(
      'denied',
      `registry ${registry} denied access to ${what} (${status})`,
      details,
    );
  }
  if (res.status === 429) {
    return new RegistryError(
      'rate-limited',
      `registry ${registry} rate-limited the lookup of ${what} (429)${tries}`,
      details,
    );
  }
  if (res.status >= 500) {
    return new RegistryError(
      'server-error',
      `registry ${registry} failed to answer for ${what} (${status})${tries}`,
      details,
    );
  }
  return new RegistryError(
    'unexpected-status',
    `registry ${registry} answered ${status} for ${what}`,
    details,
  );
}
