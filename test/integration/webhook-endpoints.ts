// Webhook endpoints the fuzz test (webhook-fuzz.test.ts) throws bodies at:
// each kind's real payload, its credential, and a request that always ends.
import { fileURLToPath } from 'node:url';
import { signBody } from '@restack/webhooks';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/webhooks/', import.meta.url));
export const SECRETS = {
  DIST: 'fuzz-dist-token-51b2',
  HUB: 'fuzz-hub-token-77ac',
  HARBOR: 'Basic ZnV6ejpoYXJib3Itc2VjcmV0LTkx',
  GH: 'fuzz-gh-secret-c3d0',
  GEN: 'fuzz-generic-secret-0e9f',
  PUSH: 'fuzz-push-secret-a4e8',
};

export type Kind = 'distribution' | 'dockerhub' | 'harbor' | 'github' | 'generic' | 'github-push';

export interface Endpoint {
  kind: Kind;
  fixture: Buffer;
  contentType: string;
  /** Authenticates `body` with `secret`: headers and query string. */
  auth(body: Buffer, secret: string | null): { headers: Record<string, string>; query: string };
  secret: string;
  /** Whether the credential depends on the body (HMAC) rather than being a token. */
  signsBody: boolean;
}

const sig = (secret: string, body: Buffer) => signBody(secret, body.toString('utf8'));

export function endpoints(fixtures: Record<string, Buffer>): Endpoint[] {
  const bearer =
    (name: string, value: (s: string) => string) => (_b: Buffer, s: string | null) => ({
      headers: s === null ? {} : { [name]: value(s) },
      query: '',
    });
  return [
    {
      kind: 'distribution',
      fixture: fixtures['distribution-push.json']!,
      contentType: 'application/vnd.docker.distribution.events.v2+json',
      auth: bearer('authorization', (s) => `Bearer ${s}`),
      secret: SECRETS.DIST,
      signsBody: false,
    },
    {
      kind: 'dockerhub',
      fixture: fixtures['dockerhub-push.json']!,
      contentType: 'application/json',
      auth: (_b, s) => ({ headers: {}, query: s === null ? '' : `?token=${s}` }),
      secret: SECRETS.HUB,
      signsBody: false,
    },
    {
      kind: 'harbor',
      fixture: fixtures['harbor-push-default.json']!,
      contentType: 'application/json',
      auth: bearer('authorization', (s) => s),
      secret: SECRETS.HARBOR,
      signsBody: false,
    },
    {
      kind: 'github',
      fixture: fixtures['github-package-published.json']!,
      contentType: 'application/json',
      auth: (b, s) => ({
        headers: {
          'x-github-event': 'package',
          ...(s === null ? {} : { 'x-hub-signature-256': sig(s, b) }),
        },
        query: '',
      }),
      secret: SECRETS.GH,
      signsBody: true,
    },
    {
      kind: 'generic',
      fixture: fixtures['generic.json']!,
      contentType: 'application/json',
      auth: (b, s) => ({
        headers: s === null ? ({} as Record<string, string>) : { 'x-restack-signature': sig(s, b) },
        query: '',
      }),
      secret: SECRETS.GEN,
      signsBody: true,
    },
    {
      kind: 'github-push',
      // A push to a repository restack does not index: valid, signed, and changes nothing.
      fixture: Buffer.from(
        JSON.stringify({
          ref: 'refs/heads/main',
          before: 'a'.repeat(40),
          after: 'b'.repeat(40),
          repository: { full_name: 'elsewhere/unrelated' },
          commits: [{ added: [], modified: ['README.md'], removed: [] }],
        }),
      ),
      contentType: 'application/json',
      auth: (b, s) => ({
        headers: {
          'x-github-event': 'push',
          ...(s === null ? {} : { 'x-hub-signature-256': sig(s, b) }),
        },
        query: '',
      }),
      secret: SECRETS.PUSH,
      signsBody: true,
    },
  ];
}

export interface Answer {
  status: number;
  error?: string;
}

export async function send(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
  method = 'POST',
): Promise<Answer> {
  try {
    const res = await fetch(url, {
      method,
      body: method === 'GET' ? null : new Uint8Array(body),
      headers,
      // No hang: every request must be answered well within this.
      signal: AbortSignal.timeout(15_000),
    });
    await res.arrayBuffer();
    return { status: res.status };
  } catch (e) {
    return { status: -1, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}
