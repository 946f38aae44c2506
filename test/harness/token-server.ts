import { execFile } from 'node:child_process';
import { randomUUID, sign } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TokenServerOptions {
  /** Basic credentials the token endpoint accepts: user -> password. */
  users?: Record<string, string>;
  /** OAuth2 refresh tokens (Docker identity tokens) the POST endpoint accepts: token -> user. */
  refreshTokens?: Record<string, string>;
  /** Whether a client without credentials gets pull access. Default true. */
  anonymousPull?: boolean;
  service?: string;
  issuer?: string;
  /** `expires_in` of issued tokens, seconds. Default 300. */
  expiresIn?: number;
}

export interface TokenRequestRecord {
  method: string;
  /** Authenticated user, or null for anonymous. */
  user: string | null;
  scopes: string[];
  grantType: string | null;
  status: number;
}

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

/**
 * A test token server for distribution's `auth: token`: issues RS256 JWTs
 * whose header carries the signing certificate (`x5c`), which the registry
 * verifies against `rootcertbundle`.
 * https://distribution.github.io/distribution/spec/auth/jwt/
 */
export interface TestTokenServer {
  /** The realm URL: `http://127.0.0.1:<port>/token`. */
  realm: string;
  service: string;
  issuer: string;
  /** PEM file with the signing certificate, for the registry's `rootcertbundle`. */
  rootCertBundle: string;
  requests: TokenRequestRecord[];
  /** A token for the harness itself (e.g. to push images), without a request. */
  mint(access: Access[], subject?: string): string;
  close(): Promise<void>;
}

export async function startTokenServer(options: TokenServerOptions = {}): Promise<TestTokenServer> {
  const dir = await mkdtemp(join(tmpdir(), 'restack-token-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  try {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=restack-test-token-issuer',
    ]);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `openssl could not make the token signing certificate (apt-get install openssl): ${(e as Error).message}`,
    );
  }
  const privateKey = await readFile(keyPath, 'utf8');
  const certDer = (await readFile(certPath, 'utf8'))
    .replace(/-----[^-]+-----/g, '')
    .replace(/\s+/g, '');
  const service = options.service ?? 'restack-test-registry';
  const issuer = options.issuer ?? 'restack-test-issuer';
  const expiresIn = options.expiresIn ?? 300;
  const requests: TokenRequestRecord[] = [];

  function mint(access: Access[], subject = ''): string {
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = b64({ typ: 'JWT', alg: 'RS256', x5c: [certDer] });
    const claims = b64({
      iss: issuer,
      sub: subject,
      aud: service,
      exp: now + expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    });
    const signature = sign('sha256', Buffer.from(`${head}.${claims}`), privateKey).toString(
      'base64url',
    );
    return `${head}.${claims}.${signature}`;
  }

  function grant(user: string | null, scopes: string[]): Access[] {
    return scopes.flatMap((scope) => {
      const first = scope.indexOf(':');
      const last = scope.lastIndexOf(':');
      if (first < 0 || last <= first) return [];
      const wanted = scope.slice(last + 1).split(',');
      const allowed =
        user !== null
          ? wanted
          : options.anonymousPull === false
            ? []
            : wanted.filter((a) => a === 'pull');
      return [
        { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: allowed },
      ];
    });
  }

  function basicUser(req: IncomingMessage): string | null | false {
    const header = req.headers.authorization;
    if (!header) return null;
    if (!header.startsWith('Basic ')) return false;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = decoded.slice(0, colon);
    return colon > 0 && options.users?.[user] === decoded.slice(colon + 1) ? user : false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reply = (
      status: number,
      body: unknown,
      record: Omit<TokenRequestRecord, 'status' | 'method'>,
    ) => {
      requests.push({ method: req.method ?? 'GET', status, ...record });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/token')
      return reply(404, { error: 'not found' }, { user: null, scopes: [], grantType: null });
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const grantType = form.get('grant_type');
      const scopes = (form.get('scope') ?? '').split(' ').filter((s) => s !== '');
      const user =
        grantType === 'refresh_token'
          ? options.refreshTokens?.[form.get('refresh_token') ?? '']
          : undefined;
      if (user === undefined || form.get('service') !== service) {
        return reply(401, { error: 'invalid_grant' }, { user: null, scopes, grantType });
      }
      const token = mint(grant(user, scopes), user);
      return reply(
        200,
        { access_token: token, expires_in: expiresIn, scope: scopes.join(' ') },
        { user, scopes, grantType },
      );
    }
    const scopes = url.searchParams.getAll('scope');
    const user = basicUser(req);
    if (user === false)
      return reply(
        401,
        { details: 'incorrect username or password' },
        { user: null, scopes, grantType: null },
      );
    const token = mint(grant(user, scopes), user ?? '');
    return reply(
      200,
      { token, access_token: token, expires_in: expiresIn, issued_at: new Date().toISOString() },
      { user, scopes, grantType: null },
    );
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertBundle: certPath,
    requests,
    mint,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
