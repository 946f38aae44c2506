import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { HttpError } from './route-kit.js';
import type { Identity, ServerState } from './state.js';

/**
 * Who is calling: a personal token, an installation token, or a GitHub App
 * JWT (verified with the app's public key, as GitHub does).
 * https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
 */

export function identify(state: ServerState, header: string | undefined, nowMs: number): Identity {
  if (!header) return { kind: 'anonymous' };
  const match = /^(token|bearer)\s+(\S+)$/i.exec(header.trim());
  if (!match?.[2]) throw new HttpError(401, 'Bad credentials');
  const credential = match[2];
  if (credential.split('.').length === 3) return verifyJwt(state, credential, nowMs);
  const user = state.userTokens.get(credential);
  if (user) return { kind: 'user', account: user };
  const installationToken = state.installationTokens.get(credential);
  if (installationToken && installationToken.expiresAt > nowMs) {
    const installation = state.installations.get(installationToken.installationId);
    const app = installation ? state.apps.get(installation.appId) : undefined;
    if (installation && app) {
      return {
        kind: 'installation',
        installationId: installation.id,
        account: installation.account,
        bot: app.bot,
      };
    }
  }
  throw new HttpError(401, 'Bad credentials');
}

function decodePart(part: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new HttpError(401, 'A JSON web token could not be decoded');
  }
}

function verifyJwt(state: ServerState, jwt: string, nowMs: number): Identity {
  const [head = '', payload = '', signature = ''] = jwt.split('.');
  const header = decodePart(head);
  const claims = decodePart(payload);
  if (header.alg !== 'RS256') throw new HttpError(401, 'A JSON web token could not be decoded');
  const issuer = String(claims.iss ?? '');
  const app = [...state.apps.values()].find((a) => String(a.id) === issuer);
  if (!app) throw new HttpError(401, `Integration not found: ${issuer}`);
  const signed = verify(
    'sha256',
    Buffer.from(`${head}.${payload}`),
    createPublicKey(app.publicKeyPem),
    Buffer.from(signature, 'base64url'),
  );
  if (!signed) throw new HttpError(401, 'A JSON web token could not be decoded');
  const now = Math.floor(nowMs / 1000);
  const iat = Number(claims.iat);
  const exp = Number(claims.exp);
  if (!Number.isFinite(iat) || iat > now + 60)
    throw new HttpError(
      401,
      "'Issued at' claim ('iat') must be an Integer representing a time in the past.",
    );
  if (!Number.isFinite(exp) || exp <= now)
    throw new HttpError(
      401,
      "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.",
    );
  if (exp - iat > 600 + 60)
    throw new HttpError(401, "'Expiration time' claim ('exp') is too far in the future.");
  return { kind: 'app', appId: app.id };
}

/** Which identities an operation accepts. */
export function authorize(operationId: string, identity: Identity): void {
  const appRoute = operationId.startsWith('apps/');
  if (identity.kind === 'anonymous') throw new HttpError(401, 'Requires authentication');
  if (appRoute && identity.kind !== 'app') {
    throw new HttpError(401, 'A JSON web token could not be decoded');
  }
  if (!appRoute && identity.kind === 'app') {
    throw new HttpError(403, 'Resource not accessible by integration');
  }
}

export function newToken(prefix: 'ghp' | 'ghs'): string {
  return `${prefix}_${randomBytes(18).toString('base64url')}`;
}

/** How the request log names a caller; never the credential itself. */
export function describeIdentity(identity: Identity): string {
  switch (identity.kind) {
    case 'user':
      return `user:${identity.account.login}`;
    case 'installation':
      return `installation:${identity.installationId}`;
    case 'app':
      return `app:${identity.appId}`;
    default:
      return 'anonymous';
  }
}
