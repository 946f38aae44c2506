import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { RestackError } from '@restack/core';
import { requestStatus } from './errors.js';
import { installationSchema, installationTokenSchema } from './schema.js';

/**
 * GitHub App authentication: a short JWT signed with the app's key buys an
 * installation token, cached until shortly before it expires.
 * https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app
 */

export interface AppCredentials {
  appId: string | number;
  /** PEM, PKCS#1 (as GitHub hands it out) or PKCS#8. */
  privateKey: string;
  /** Fixed installation; otherwise found per owner. */
  installationId?: number;
}

/** The slice of Octokit's `request` an auth hook uses. */
export interface HookRequest {
  (options: EndpointLike): Promise<{ data: unknown }>;
  endpoint: { merge(route: unknown, parameters?: unknown): EndpointLike };
}

export interface EndpointLike {
  method: string;
  url: string;
  headers: Record<string, string | number | undefined>;
  [key: string]: unknown;
}

// Refresh tokens this long before GitHub says they expire, so a request never
// starts with a token that dies mid-flight.
const TOKEN_MARGIN_MS = 5 * 60_000;
// GitHub accepts JWTs valid for at most ten minutes; iat is backdated for clock drift.
const JWT_BACKDATE_S = 60;
const JWT_LIFETIME_S = 540;

export function parseAppPrivateKey(pem: string, where: string): KeyObject {
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA key');
    return key;
  } catch (e) {
    throw new RestackError('github.app-key-invalid', 'the GitHub App private key cannot be read', {
      where,
      cause: e instanceof Error ? new Error(e.message) : undefined,
      fix: 'use the .pem file GitHub generated for the app (an RSA private key)',
    });
  }
}

export function createAppJwt(appId: string | number, key: KeyObject, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  const header = { alg: 'RS256', typ: 'JWT' };
  const payload = { iat: now - JWT_BACKDATE_S, exp: now + JWT_LIFETIME_S, iss: String(appId) };
  const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(unsigned), key).toString('base64url');
  return `${unsigned}.${signature}`;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

/** Routes GitHub answers only for the app itself (JWT), not for an installation. */
export function isAppRoute(url: string): boolean {
  // Full URLs (pagination links) carry the host and, on GHES, the /api/v3 root.
  const path = url
    .replace(/^https?:\/\/[^/]+/, '')
    .replace(/^\/api\/v3(?=\/)/, '')
    .replace(/[?#].*$/, '');
  return /^\/(app(\/.*)?|(orgs|users)\/[^/]+\/installation|repos\/[^/]+\/[^/]+\/installation)$/.test(
    path,
  );
}

interface CachedToken {
  token: string;
  refreshAt: number;
}

export interface AppTokenSource {
  appJwt(): string;
  installationToken(request: HookRequest, owner: string | undefined): Promise<string>;
  /** Forget a token GitHub refused, so the next request fetches a new one. */
  forget(token: string): void;
}

export function createAppTokenSource(
  credentials: AppCredentials,
  now: () => number = Date.now,
): AppTokenSource {
  const key = parseAppPrivateKey(credentials.privateKey, 'github.auth.privateKey');
  const installations = new Map<string, Promise<number>>();
  const tokens = new Map<number, Promise<CachedToken>>();
  const refused = new Set<string>();
  let jwt: { value: string; refreshAt: number } | undefined;

  function appJwt(): string {
    if (!jwt || jwt.refreshAt <= now()) {
      jwt = {
        value: createAppJwt(credentials.appId, key, now()),
        refreshAt: now() + (JWT_LIFETIME_S - 60) * 1000,
      };
    }
    return jwt.value;
  }

  function installationFor(request: HookRequest, owner: string | undefined): Promise<number> {
    if (credentials.installationId !== undefined)
      return Promise.resolve(credentials.installationId);
    if (owner === undefined) {
      throw new RestackError(
        'github.app-owner-unknown',
        'no account to find the installation for',
        {
          fix: 'set github.auth.installationId, or call GitHub through a client bound to an owner',
        },
      );
    }
    const known = installations.get(owner);
    if (known) return known;
    const lookup = findInstallation(request, owner, credentials.appId);
    installations.set(owner, lookup);
    lookup.catch(() => installations.delete(owner));
    return lookup;
  }

  async function installationToken(request: HookRequest, owner: string | undefined) {
    const id = await installationFor(request, owner);
    const cached = tokens.get(id);
    const entry = cached && (await cached.catch(() => undefined));
    if (entry && entry.refreshAt > now() && !refused.has(entry.token)) return entry.token;
    // A concurrent request may already have started fetching a new token.
    const current = tokens.get(id);
    if (current && current !== cached) return (await current).token;
    if (entry) refused.delete(entry.token);
    const fresh = createToken(request, id, now);
    tokens.set(id, fresh);
    fresh.catch(() => {
      if (tokens.get(id) === fresh) tokens.delete(id);
    });
    return (await fresh).token;
  }

  function forget(token: string): void {
    refused.add(token);
  }

  return { appJwt, installationToken, forget };
}

async function findInstallation(
  request: HookRequest,
  owner: string,
  appId: string | number,
): Promise<number> {
  // Organisations and users have separate lookup routes; try the org first.
  const lookups = [
    ['GET /orgs/{org}/installation', { org: owner }],
    ['GET /users/{username}/installation', { username: owner }],
  ] as const;
  for (const [route, params] of lookups) {
    try {
      const { data } = await request(request.endpoint.merge(route, params));
      return installationSchema.parse(data).id;
    } catch (e) {
      if (requestStatus(e) !== 404) throw e;
    }
  }
  throw new RestackError(
    'github.app-not-installed',
    `GitHub App ${appId} is not installed on ${owner}`,
    {
      where: owner,
      fix: `install the app on ${owner}, or set github.auth.installationId`,
    },
  );
}

async function createToken(
  request: HookRequest,
  installationId: number,
  now: () => number,
): Promise<CachedToken> {
  const { data } = await request(
    request.endpoint.merge('POST /app/installations/{installation_id}/access_tokens', {
      installation_id: installationId,
    }),
  );
  const parsed = installationTokenSchema.parse(data);
  const expiresAt = Date.parse(parsed.expires_at);
  return { token: parsed.token, refreshAt: Math.max(now(), expiresAt - TOKEN_MARGIN_MS) };
}

/**
 * An Octokit `authStrategy`: JWT on app routes, an installation token (for
 * the bound owner) everywhere else, and one retry with a new token on 401.
 */
export function appAuthStrategy(options: {
  tokens: AppTokenSource;
  owner?: string;
  /** Octokit passes its own `request`, hooks included: token calls get retries and throttling too. */
  request: HookRequest;
}) {
  const { tokens, owner, request: octokitRequest } = options;
  async function auth() {
    // Deliberately without the token: callers have no reason to hold it.
    return { type: 'app-installation', owner };
  }
  async function hook(request: HookRequest, route: unknown, parameters?: unknown) {
    const endpoint = request.endpoint.merge(route, parameters);
    if (isAppRoute(endpoint.url)) {
      endpoint.headers.authorization = `bearer ${tokens.appJwt()}`;
      return request(endpoint);
    }
    const token = await tokens.installationToken(octokitRequest, owner);
    endpoint.headers.authorization = `token ${token}`;
    try {
      return await request(endpoint);
    } catch (e) {
      if (requestStatus(e) !== 401) throw e;
      tokens.forget(token);
      endpoint.headers.authorization = `token ${await tokens.installationToken(octokitRequest, owner)}`;
      return request(endpoint);
    }
  }
  return Object.assign(auth, { hook });
}
