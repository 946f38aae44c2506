import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { watchSchema } from './config.js';
import { readWebhook } from './parse.js';
import { signBody } from './verify.js';

const secrets = {
  distribution: { secret: 'tok' },
  generic: { secret: 'key' },
  dockerhub: { secret: 'hub' },
  harbor: { secret: 'Basic abc' },
  github: { secret: 'gh' },
};

function req(body: unknown, headers: Record<string, string> = {}, query = '') {
  return {
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    headers,
    query: new URLSearchParams(query),
  };
}

describe('readWebhook', () => {
  it('reads a signed generic webhook into a normalised hint', async () => {
    const body = JSON.stringify({ ref: 'debian:bookworm', digest: 'sha256:' + 'a'.repeat(64) });
    const r = await readWebhook(
      'generic',
      req(body, { 'x-restack-signature': signBody('key', body) }),
      secrets,
    );
    assert.deepEqual(r, {
      ok: true,
      kind: 'generic',
      hints: [
        { name: 'docker.io/library/debian', tag: 'bookworm', digest: 'sha256:' + 'a'.repeat(64) },
      ],
      ignored: null,
    });
  });

  it('refuses unsigned and wrongly signed bodies with 401 before parsing them', async () => {
    assert.equal((await readWebhook('generic', req('not json'), secrets)).ok, false);
    const wrong = await readWebhook(
      'generic',
      req('{}', { 'x-restack-signature': signBody('other', '{}') }),
      secrets,
    );
    assert.deepEqual(wrong.ok ? null : wrong.status, 401);
    const gh = await readWebhook(
      'github',
      req('{}', { 'x-github-event': 'package', 'x-hub-signature-256': 'sha256=00' }),
      secrets,
    );
    assert.deepEqual(gh.ok ? null : gh.status, 401);
  });

  it('takes distribution manifest pushes and ignores pulls and blob pushes', async () => {
    const auth = { authorization: 'Bearer tok' };
    const event = (action: string, mediaType: string) => ({
      action,
      target: { mediaType, digest: 'sha256:' + 'b'.repeat(64), repository: 'team/app', tag: '1' },
      request: { host: 'registry.example.com' },
    });
    const r = await readWebhook(
      'distribution',
      req(
        {
          events: [
            event('pull', 'application/vnd.oci.image.manifest.v1+json'),
            event('push', 'application/octet-stream'),
            event('push', 'application/vnd.oci.image.index.v1+json'),
          ],
        },
        auth,
      ),
      secrets,
    );
    assert.ok(r.ok);
    assert.deepEqual(r.hints, [
      { name: 'registry.example.com/team/app', tag: '1', digest: 'sha256:' + 'b'.repeat(64) },
    ]);
  });

  it('ignores Harbor events other than a push, in both formats', async () => {
    const h = { authorization: 'Basic abc' };
    const def = await readWebhook(
      'harbor',
      req({ type: 'PULL_ARTIFACT', event_data: { resources: [] } }, h),
      secrets,
    );
    const ce = await readWebhook(
      'harbor',
      req({ specversion: '1.0', type: 'harbor.artifact.deleted', data: { resources: [] } }, h),
      secrets,
    );
    assert.ok(def.ok && def.hints.length === 0 && def.ignored);
    assert.ok(ce.ok && ce.hints.length === 0 && ce.ignored);
  });

  it('needs the Docker Hub token in the query string', async () => {
    const body = { push_data: { tag: 'latest' }, repository: { repo_name: 'me/app' } };
    const without = await readWebhook('dockerhub', req(body), secrets);
    assert.equal(without.ok ? 0 : without.status, 401);
    const withToken = await readWebhook('dockerhub', req(body, {}, 'token=hub'), secrets);
    assert.ok(withToken.ok);
    assert.deepEqual(withToken.hints, [{ name: 'docker.io/me/app', tag: 'latest', digest: null }]);
  });

  it('answers 404 for unknown or disabled kinds and 413 for oversized bodies', async () => {
    const unknown = await readWebhook('gitlab', req('{}'), secrets);
    const disabled = await readWebhook('generic', req('{}'), {});
    const big = await readWebhook('generic', req('x'.repeat(1024 * 1024 + 1)), secrets);
    assert.deepEqual(
      [unknown, disabled, big].map((r) => (r.ok ? 0 : r.status)),
      [404, 404, 413],
    );
  });
});

describe('watchSchema', () => {
  it('defaults to every 10 minutes, no settle window and no webhooks', () => {
    assert.deepEqual(watchSchema.parse({}), {
      schedule: '*/10 * * * *',
      registries: {},
      settleWindowSeconds: 0,
      webhooks: {},
    });
  });

  it('rejects a bad cron expression and a secret written where its variable name belongs', () => {
    assert.equal(watchSchema.safeParse({ schedule: 'every ten minutes' }).success, false);
    assert.equal(
      watchSchema.safeParse({ webhooks: { generic: { secretEnv: 's3cr3t-value!' } } }).success,
      false,
    );
  });
});
