import { parseChallenges } from './challenge.js';
import type { Credentials, CredentialStore } from './docker-config.js';
import { CredentialsError } from './docker-config.js';
import type { HttpResponse } from './http.js';
import { RegistryError } from './failure.js';
import { tokenResponseSchema } from './schema.js';
import type { Endpoint } from './settings.js';

export interface TokenRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: Uint8Array;
}

export interface AuthDeps {
  endpoint: Endpoint;
  insecure: boolean;
  credentials: CredentialStore;
  /** Sends a token request with the registry's limiter, retries and counters. */
  sendToken(req: TokenRequest): Promise<HttpResponse>;
  now: () => number;
}

export interface Auth {
  /** The Authorization header to send first, if this registry's scheme is known. */
  authorization(scopes: string[]): Promise<string | null>;
  /** After a 401: the header to retry with, or null when there is nothing better to try. */
  answerChallenge(
    header: string | undefined,
    scopes: string[],
    sent: string | null,
  ): Promise<string | null>;
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

// Tokens default to 60 s (token spec); renew a little early so none expires in flight.
const DEFAULT_EXPIRES_IN_S = 60;
const RENEW_EARLY_S = 5;
const CLIENT_ID = 'restack';

/**
 * One registry's authentication: anonymous until it answers 401, then Basic
 * or Bearer as its `WWW-Authenticate` asks. Bearer tokens are cached per
 * realm, service and scope set until they expire, and one token request is
 * shared by every lookup that needs the same scopes at once.
 * https://distribution.github.io/distribution/spec/auth/token/
 */
export function createAuth(deps: AuthDeps): Auth {
  const { endpoint } = deps;
  let scheme: 'unknown' | 'basic' | 'bearer' = 'unknown';
  let bearer: { realm: string; service: string | undefined } | null = null;
  const tokens = new Map<string, CachedToken>();
  const inflight = new Map<string, Promise<string>>();

  async function credentials(): Promise<Credentials | null> {
    try {
      return await deps.credentials.get(endpoint.credentialKey);
    } catch (e) {
      throw new RegistryError(
        'credentials',
        `restack could not read credentials for registry ${endpoint.key}: ${e instanceof CredentialsError ? e.message : String(e)}`,
        { registry: endpoint.key, subject: endpoint.key, cause: e },
      );
    }
  }

  function basicHeader(c: Credentials | null): string | null {
    if (!c?.username || c.password === undefined) return null;
    return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
  }

  function tokenKey(scopes: string[]): string {
    return `${bearer?.realm} ${bearer?.service ?? ''} ${[...new Set(scopes)].sort().join(' ')}`;
  }

  async function token(scopes: string[]): Promise<string> {
    const key = tokenKey(scopes);
    const cached = tokens.get(key);
    if (cached && cached.expiresAt > deps.now()) return cached.value;
    let pending = inflight.get(key);
    if (!pending) {
      pending = fetchToken(scopes).then((t) => {
        tokens.set(key, t);
        return t.value;
      });
      inflight.set(key, pending);
      void pending.then(
        () => inflight.delete(key),
        () => inflight.delete(key),
      );
    }
    return pending;
  }

  async function fetchToken(scopes: string[]): Promise<CachedToken> {
    const creds = await credentials();
    if (creds?.registryToken) return { value: creds.registryToken, expiresAt: Infinity };
    const realm = new URL(bearer?.realm ?? '');
    if (creds && realm.protocol === 'http:' && !deps.insecure) {
      throw new RegistryError(
        'credentials',
        `registry ${endpoint.key} sent restack to a plain-http token server (${realm.origin}); credentials are only sent there when the registry is configured insecure`,
        { registry: endpoint.key, subject: endpoint.key },
      );
    }
    let res: HttpResponse | null = null;
    if (creds?.identityToken) {
      res = await deps.sendToken(oauthRequest(realm, creds.identityToken, scopes));
      // Not every token server speaks OAuth2; the spec says fall back to GET on 404.
      if (res.status === 404) res = null;
    }
    res ??= await deps.sendToken(getRequest(realm, scopes, creds));
    return readToken(res, realm, creds !== null);
  }

  function getRequest(realm: URL, scopes: string[], creds: Credentials | null): TokenRequest {
    const url = new URL(realm);
    if (bearer?.service) url.searchParams.append('service', bearer.service);
    for (const s of scopes) url.searchParams.append('scope', s);
    if (creds?.username) url.searchParams.append('account', creds.username);
    const auth = basicHeader(creds);
    return { method: 'GET', url, headers: auth ? { authorization: auth } : {} };
  }

  function oauthRequest(realm: URL, refreshToken: string, scopes: string[]): TokenRequest {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      service: bearer?.service ?? '',
      client_id: CLIENT_ID,
      scope: scopes.join(' '),
    });
    return {
      method: 'POST',
      url: realm,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(form.toString()),
    };
  }

  function readToken(res: HttpResponse, realm: URL, withCredentials: boolean): CachedToken {
    const where = { registry: endpoint.key, subject: endpoint.key, status: res.status };
    if (res.status === 401 || res.status === 403) {
      throw new RegistryError(
        'unauthorized',
        `the token server ${realm.origin} for registry ${endpoint.key} refused ${withCredentials ? 'the stored credentials' : 'an anonymous token'} (${res.status})`,
        where,
      );
    }
    if (res.status !== 200) {
      throw new RegistryError(
        res.status >= 500 ? 'server-error' : 'unexpected-status',
        `the token server ${realm.origin} for registry ${endpoint.key} answered ${res.status}`,
        where,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(res.body.toString('utf8'));
    } catch {
      json = null;
    }
    const parsed = tokenResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw new RegistryError(
        'bad-response',
        `the token server ${realm.origin} for registry ${endpoint.key} sent a body that is not a token response`,
        where,
      );
    }
    const t = parsed.data;
    const expiresIn = t.expires_in ?? DEFAULT_EXPIRES_IN_S;
    const now = deps.now();
    const issued = t.issued_at ? Date.parse(t.issued_at) : NaN;
    // A token server whose clock runs ahead must not stretch the token's life.
    const from = Number.isNaN(issued) ? now : Math.min(issued, now);
    const value = (t.token ?? t.access_token) as string;
    return { value, expiresAt: from + Math.max(0, expiresIn - RENEW_EARLY_S) * 1000 };
  }

  return {
    async authorization(scopes) {
      if (scheme === 'basic') return basicHeader(await credentials());
      if (scheme === 'bearer') return `Bearer ${await token(scopes)}`;
      return null;
    },

    async answerChallenge(header, scopes, sent) {
      const challenges = parseChallenges(header ?? '');
      const bearerChallenge = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
      if (bearerChallenge) {
        scheme = 'bearer';
        bearer = {
          realm: bearerChallenge.params.realm ?? '',
          service: bearerChallenge.params.service,
        };
        const asked = bearerChallenge.params.scope?.split(' ').filter((s) => s !== '') ?? [];
        const all = [...new Set([...scopes, ...asked])];
        if (sent?.startsWith('Bearer ')) {
          // The token we sent was refused: expired early or lacking a scope. Try once afresh.
          tokens.delete(tokenKey(all));
          tokens.delete(tokenKey(scopes));
          deps.credentials.forget(endpoint.credentialKey);
        }
        return `Bearer ${await token(all)}`;
      }
      if (challenges.some((c) => c.scheme === 'basic')) {
        scheme = 'basic';
        if (sent?.startsWith('Basic ')) {
          // Refused: read config.json again next time, in case the password changed.
          deps.credentials.forget(endpoint.credentialKey);
          return null;
        }
        return basicHeader(await credentials());
      }
      return null;
    },
  };
}
