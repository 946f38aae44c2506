import { parseReference } from '@restack/reference';
import type { z } from 'zod';
import { webhookKinds, type WebhookKind } from './config.js';
import {
  distributionEnvelopeSchema,
  dockerHubPayloadSchema,
  genericPayloadSchema,
  githubPackageEventSchema,
  harborCloudEventSchema,
  harborDefaultSchema,
} from './schema.js';
import { sameSecret, verifyGithub, verifyHmac } from './verify.js';

/** Larger bodies are refused with 413 before they are parsed. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

/** The header of restack's generic form: `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const SIGNATURE_HEADER = 'x-restack-signature';

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The query string; Docker Hub cannot sign, so its token travels as `?token=`. */
  query?: URLSearchParams;
}

/** What a webhook says moved: a repository, and the tag and digest when it names them. */
export interface WebhookHint {
  /** Normalised repository, e.g. `docker.io/library/debian`. */
  name: string;
  tag: string | null;
  digest: string | null;
}

export interface WebhookSecret {
  secret: string;
  /** Registry host to use instead of the one in the payload. */
  registry?: string;
}

export type WebhookSecrets = Partial<Record<WebhookKind, WebhookSecret>>;

export type WebhookResult =
  | { ok: true; kind: WebhookKind; hints: WebhookHint[]; ignored: string | null }
  | { ok: false; status: 400 | 401 | 404 | 413; message: string };

type Failure = Extract<WebhookResult, { ok: false }>;

const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
]);

function header(req: WebhookRequest, name: string): string | null {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? null;
}

function fail(status: Failure['status'], message: string): Failure {
  return { ok: false, status, message };
}

/** Turns `host/path[:tag][@digest]` pieces into a hint, or says why it cannot. */
function hint(text: string, digest: string | null = null): WebhookHint | string {
  const parsed = parseReference(text);
  if (!parsed.ok) return `"${text}" is not an image reference: ${parsed.error}`;
  const { name, tag } = parsed.ref;
  return { name, tag, digest: parsed.ref.digest ?? digest };
}

async function authenticate(
  kind: WebhookKind,
  req: WebhookRequest,
  s: WebhookSecret,
): Promise<Failure | null> {
  const unsigned = (what: string) =>
    fail(401, `the ${kind} webhook has no ${what}; restack accepts only authenticated webhooks`);
  const wrong = (what: string) =>
    fail(401, `the ${kind} webhook's ${what} does not match the configured secret`);
  if (kind === 'github') {
    const sig = header(req, 'x-hub-signature-256');
    if (sig === null) return unsigned('X-Hub-Signature-256 header');
    return (await verifyGithub(s.secret, req.body, sig)) ? null : wrong('X-Hub-Signature-256');
  }
  if (kind === 'generic') {
    const sig = header(req, SIGNATURE_HEADER);
    if (sig === null) return unsigned('X-Restack-Signature header');
    return verifyHmac(s.secret, req.body, sig) ? null : wrong('X-Restack-Signature');
  }
  if (kind === 'dockerhub') {
    const token = req.query?.get('token') ?? null;
    if (token === null) return unsigned('?token= in its URL');
    return sameSecret(token, s.secret) ? null : wrong('token');
  }
  // Distribution sends the configured `Authorization: [Bearer <token>]`; Harbor its "Auth Header" verbatim.
  const auth = header(req, 'authorization');
  if (auth === null) return unsigned('Authorization header');
  const ok =
    kind === 'distribution'
      ? sameSecret(auth, `Bearer ${s.secret}`)
      : sameSecret(auth, s.secret) || sameSecret(auth, `Bearer ${s.secret}`);
  return ok ? null : wrong('Authorization header');
}

function shape<S extends z.ZodType>(
  kind: WebhookKind,
  schema: S,
  json: unknown,
): z.infer<S> | Failure {
  const r = schema.safeParse(json);
  if (r.success) return r.data as z.infer<S>;
  const issue = r.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  return fail(
    400,
    `the ${kind} webhook does not have the documented shape: ${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'}`,
  );
}

const isFailure = (v: unknown): v is Failure =>
  typeof v === 'object' && v !== null && 'ok' in v && (v as { ok: unknown }).ok === false;

type Hints = WebhookHint[] | Failure;

function collect(texts: Array<[string, string | null]>): Hints {
  const out: WebhookHint[] = [];
  for (const [text, digest] of texts) {
    const h = hint(text, digest);
    if (typeof h === 'string') return fail(400, h);
    out.push(h);
  }
  return out;
}

function distribution(json: unknown, s: WebhookSecret): Hints {
  const env = shape('distribution', distributionEnvelopeSchema, json);
  if (isFailure(env)) return env;
  // Pulls (including restack's own HEADs) and blob pushes say nothing about tags.
  const pushes = env.events.filter(
    (e) => e.action === 'push' && MANIFEST_TYPES.has(e.target.mediaType ?? ''),
  );
  const texts: Array<[string, string | null]> = [];
  for (const e of pushes) {
    const host = s.registry ?? e.request?.host;
    if (!host)
      return fail(
        400,
        'a distribution push event has no request.host; set watch.webhooks.distribution.registry',
      );
    const tag = e.target.tag ? `:${e.target.tag}` : '';
    texts.push([`${host}/${e.target.repository}${tag}`, e.target.digest ?? null]);
  }
  return collect(texts);
}

function harbor(json: unknown, s: WebhookSecret): Hints | { ignored: string } {
  const isCloud = typeof json === 'object' && json !== null && 'specversion' in json;
  let resources;
  if (isCloud) {
    const ce = shape('harbor', harborCloudEventSchema, json);
    if (isFailure(ce)) return ce;
    if (ce.type !== 'harbor.artifact.pushed') return { ignored: `harbor event ${ce.type}` };
    if (!ce.data) return fail(400, 'the harbor CloudEvent has no data');
    resources = ce.data.resources;
  } else {
    const d = shape('harbor', harborDefaultSchema, json);
    if (isFailure(d)) return d;
    if (d.type !== 'PUSH_ARTIFACT') return { ignored: `harbor event ${d.type}` };
    resources = d.event_data.resources;
  }
  return collect(
    resources.map((r) => {
      // resource_url is `host/ns/repo:tag` or `host/ns/repo@digest` (a push by digest).
      const url = r.resource_url.replace(/^https?:\/\//, '');
      const swapped = s.registry ? `${s.registry}/${url.split('/').slice(1).join('/')}` : url;
      return [swapped, r.digest ?? null] as [string, string | null];
    }),
  );
}

function github(json: unknown, req: WebhookRequest, s: WebhookSecret): Hints | { ignored: string } {
  const event = header(req, 'x-github-event');
  if (event !== 'package' && event !== 'registry_package')
    return { ignored: `GitHub event ${event ?? '(none)'}` };
  const p = shape('github', githubPackageEventSchema, json);
  if (isFailure(p)) return p;
  if (p.action !== 'published' && p.action !== 'updated')
    return { ignored: `GitHub ${event} ${p.action}` };
  const pkg = p.package ?? p.registry_package;
  const url = pkg?.package_version?.package_url ?? '';
  if (!url.startsWith('ghcr.io/'))
    return { ignored: 'a GitHub package that is not a GHCR container' };
  const tag = pkg?.package_version?.container_metadata?.tag;
  // GHCR names are lowercase; package_url keeps the owner's case and may end in a bare ':'.
  const repo = url.replace(/:[^/]*$/, '').toLowerCase();
  const name = s.registry ? `${s.registry}/${repo.split('/').slice(1).join('/')}` : repo;
  return collect([[tag?.name ? `${name}:${tag.name}` : name, tag?.digest || null]]);
}

/**
 * Authenticates and reads one webhook of `kind`. Never throws: a bad
 * request comes back as a status and a message that says what is wrong.
 */
export async function readWebhook(
  kind: string,
  req: WebhookRequest,
  secrets: WebhookSecrets,
): Promise<WebhookResult> {
  if (!(webhookKinds as readonly string[]).includes(kind)) {
    return fail(404, `unknown webhook kind "${kind}"; use one of ${webhookKinds.join(', ')}`);
  }
  const k = kind as WebhookKind;
  const s = secrets[k];
  if (!s)
    return fail(
      404,
      `${k} webhooks are not enabled; add watch.webhooks.${k}.secretEnv to restack.yaml`,
    );
  if (req.body.length > MAX_WEBHOOK_BYTES)
    return fail(413, `the webhook body is larger than ${MAX_WEBHOOK_BYTES} bytes`);
  const denied = await authenticate(k, req, s);
  if (denied) return denied;
  let json: unknown;
  try {
    json = JSON.parse(req.body.toString('utf8'));
  } catch {
    return fail(400, `the ${k} webhook body is not JSON`);
  }
  let out: Hints | { ignored: string };
  if (k === 'distribution') out = distribution(json, s);
  else if (k === 'harbor') out = harbor(json, s);
  else if (k === 'github') out = github(json, req, s);
  else if (k === 'dockerhub') {
    const d = shape('dockerhub', dockerHubPayloadSchema, json);
    const name = (n: string) => (s.registry ? `${s.registry}/${n}` : `docker.io/${n}`);
    out = isFailure(d)
      ? d
      : collect([[`${name(d.repository.repo_name)}:${d.push_data.tag}`, null]]);
  } else {
    const g = shape('generic', genericPayloadSchema, json);
    out = isFailure(g) ? g : collect([[g.ref, g.digest ?? null]]);
  }
  if (isFailure(out)) return out;
  if ('ignored' in out) return { ok: true, kind: k, hints: [], ignored: out.ignored };
  return {
    ok: true,
    kind: k,
    hints: out,
    ignored: out.length === 0 ? 'no tag push in this webhook' : null,
  };
}
