import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { parseConfig } from '@restack/config';
import { createLogger } from '@restack/core';
import { startGraphService } from '@restack/svc-graph';
import { githubPushRoute, registryWebhookRoute, startGateway } from '@restack/svc-gateway';
import { MAX_WEBHOOK_BYTES } from '@restack/webhooks';
import fc from 'fast-check';
import { tokenAdapter } from '../github-server/clients.js';
import { startGitHubServer } from '../github-server/index.js';
import { pushImage } from '../harness/images.js';
import { defer, testLogger } from '../harness/nats.js';
import { startRegistry } from '../harness/registry.js';
import { backbone, registryClient, watcher } from './watcher-fixture.js';
import { FIXTURES, SECRETS, endpoints, send, type Endpoint } from './webhook-endpoints.js';

// Generated and mutated bodies against every webhook endpoint `restack up`
// serves (the gateway's /webhooks/<kind> and /webhooks/github-push) and the
// registry watcher's own port: every answer is a 4xx unless the body is
// valid and authenticated, every request is answered, the servers keep
// answering, nothing reaches the bus and no secret reaches the log.
// RESTACK_FUZZ_RUNS=5000 runs longer than CI's default.

const RUNS = Number(process.env.RESTACK_FUZZ_RUNS ?? 300);
const TIMEOUT = 120_000 + RUNS * 200;
type Auth = 'none' | 'wrong' | 'valid' | 'of-original';
type BodyMode = 'fixture' | 'truncated' | 'mutated' | 'json' | 'bytes';

async function setup(t: TestContext) {
  let logs = '';
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({ write: (c: Buffer, _e, done) => ((logs += c.toString()), done()) }),
  });
  const { bus, nats, events } = await backbone(t);
  const reg = await startRegistry();
  defer(t, () => reg.close());
  await pushImage(reg.url, 'library/test', '1', { layers: [{ files: { v: '1' } }] });
  const watched = `${reg.host}/library/test:1`;
  const w = await watcher(t, {
    bus,
    logger,
    registryClient: await registryClient(t, [reg.host]),
    graphSource: () => [watched],
    env: SECRETS,
    webhooks: { port: 0, host: '127.0.0.1' },
    config: {
      webhooks: {
        distribution: { secretEnv: 'DIST', registry: reg.host },
        dockerhub: { secretEnv: 'HUB', registry: reg.host },
        harbor: { secretEnv: 'HARBOR', registry: reg.host },
        github: { secretEnv: 'GH', registry: reg.host },
        generic: { secretEnv: 'GEN' },
      },
    },
  });
  await w.pollOnce();

  const github = await startGitHubServer();
  defer(t, () => github.stop());
  await github.control.createRepo({
    owner: 'acme',
    name: 'app',
    files: { Dockerfile: 'FROM debian:bookworm\n' },
  });
  const graph = await startGraphService({
    config: parseConfig('sources:\n  - github: { org: acme, name: gh }\n', '/fuzz/restack.yaml'),
    github: tokenAdapter(github).github,
    webhookSecret: SECRETS.PUSH,
    nats: { servers: nats.url },
    logger: testLogger(),
    pullExpiresMs: 1_000,
  });
  defer(t, () => graph.stop());

  const gw = await startGateway({
    bus,
    logger,
    port: 0,
    token: 'fuzz-api-token-9d3e',
    routes: [
      githubPushRoute(bus, logger, 10_000),
      registryWebhookRoute((kind, req) => w.handleWebhook(kind, req)),
    ],
  });
  defer(t, () => gw.close());

  const fixtures: Record<string, Buffer> = {};
  for (const f of [
    'distribution-push.json',
    'dockerhub-push.json',
    'harbor-push-default.json',
    'github-package-published.json',
    'generic.json',
  ]) {
    fixtures[f] = Buffer.from(
      (await readFile(path.join(FIXTURES, f), 'utf8')).replaceAll('REGISTRY', reg.host),
    );
  }
  return { gw, w, events, logs: () => logs, list: endpoints(fixtures) };
}

/** The URL of an endpoint on the gateway or, for registry kinds, on the watcher's own port. */
function urlOf(s: Awaited<ReturnType<typeof setup>>, e: Endpoint, onWatcher: boolean): string {
  if (e.kind === 'github-push') return `${s.gw.url}/webhooks/github-push`;
  return `${onWatcher ? s.w.webhookUrl : s.gw.url}/webhooks/${e.kind}`;
}

const contentTypes = [
  null,
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
] as const;

function bodyOf(fixture: Buffer): fc.Arbitrary<{ mode: BodyMode; body: Buffer }> {
  const trimmed = fixture.toString('utf8').trimEnd();
  const n = Buffer.byteLength(trimmed);
  return fc.oneof(
    fc.constant({ mode: 'fixture' as const, body: fixture }),
    fc
      .integer({ min: 0, max: n - 1 })
      .map((i) => ({ mode: 'truncated' as const, body: Buffer.from(trimmed).subarray(0, i) })),
    fc
      .array(fc.tuple(fc.nat({ max: fixture.length - 1 }), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      })
      .map((edits) => {
        const body = Buffer.from(fixture);
        for (const [at, byte] of edits) body[at] = byte;
        return { mode: 'mutated' as const, body };
      }),
    fc.json().map((j) => ({ mode: 'json' as const, body: Buffer.from(j) })),
    fc
      .uint8Array({ maxLength: 512 })
      .map((b) => ({ mode: 'bytes' as const, body: Buffer.from(b) })),
  );
}

function parsesAsJson(body: Buffer): boolean {
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

describe('webhook endpoints under fuzzed input', () => {
  it(
    `answers generated, mutated and wrongly signed bodies with a 4xx and publishes nothing (${RUNS} runs)`,
    { timeout: TIMEOUT },
    async (t) => {
      const s = await setup(t);
      const statuses = new Map<string, number>();
      const arb = fc.constantFrom(...s.list).chain((e) =>
        fc.record({
          e: fc.constant(e),
          onWatcher: fc.boolean(),
          auth: fc.constantFrom<Auth>('none', 'wrong', 'valid', 'of-original'),
          body: bodyOf(e.fixture),
          contentType: fc.constantFrom(e.contentType, ...contentTypes),
        }),
      );
      await fc.assert(
        fc.asyncProperty(arb, async ({ e, onWatcher, auth, body: { mode, body }, contentType }) => {
          const credential =
            auth === 'none'
              ? e.auth(body, null)
              : auth === 'wrong'
                ? e.auth(body, `${e.secret}-wrong`)
                : e.auth(auth === 'valid' ? body : e.fixture, e.secret);
          const headers = {
            ...(contentType ? { 'content-type': contentType } : {}),
            ...credential.headers,
          };
          const answer = await send(`${urlOf(s, e, onWatcher)}${credential.query}`, body, headers);
          const key = `${e.kind} ${auth} ${mode}: ${answer.status}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          assert.notEqual(answer.status, -1, `no answer: ${answer.error}`);
          const authentic =
            auth === 'valid' ||
            (auth === 'of-original' && (!e.signsBody || body.equals(e.fixture)));
          const what = `${e.kind} ${auth} ${mode} ${contentType}: ${answer.status}`;
          if (!authentic) {
            assert.ok(answer.status >= 400 && answer.status < 500, what);
          } else if (mode === 'fixture' && contentType === e.contentType) {
            assert.ok(answer.status >= 200 && answer.status < 300, what);
          } else if (mode === 'truncated' || !parsesAsJson(body)) {
            assert.ok(answer.status >= 400 && answer.status < 500, what);
          } else {
            assert.ok(answer.status >= 200 && answer.status < 500, what);
          }
        }),
        { numRuns: RUNS },
      );
      t.diagnostic(`answers: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);

      // Still answering, still working.
      for (const e of s.list) {
        const c = e.auth(e.fixture, e.secret);
        const ok = await send(`${urlOf(s, e, false)}${c.query}`, e.fixture, {
          'content-type': e.contentType,
          ...c.headers,
        });
        assert.ok(ok.status >= 200 && ok.status < 300, `${e.kind} after fuzzing: ${ok.status}`);
      }
      assert.equal((await send(`${s.gw.url}/livez`, Buffer.alloc(0), {}, 'GET')).status, 200);
      assert.deepEqual(
        (await s.events()).map((e) => e.type),
        [],
        'no event reached the bus',
      );
      for (const [name, value] of Object.entries(SECRETS)) {
        assert.ok(!s.logs().includes(value), `the ${name} secret is not in the log`);
      }
    },
  );

  it(
    'answers an oversized body with 413 on every endpoint and keeps answering',
    { timeout: TIMEOUT },
    async (t) => {
      const s = await setup(t);
      const huge = Buffer.alloc(MAX_WEBHOOK_BYTES + 1024, 'x');
      for (const e of s.list) {
        for (const onWatcher of e.kind === 'github-push' ? [false] : [false, true]) {
          const c = e.auth(huge, e.secret);
          const answer = await send(`${urlOf(s, e, onWatcher)}${c.query}`, huge, {
            'content-type': e.contentType,
            ...c.headers,
          });
          const where = `${e.kind} on the ${onWatcher ? 'watcher' : 'gateway'}`;
          assert.equal(answer.status, 413, `${where}: ${answer.status} ${answer.error ?? ''}`);
          const c2 = e.auth(e.fixture, e.secret);
          const after = await send(`${urlOf(s, e, onWatcher)}${c2.query}`, e.fixture, {
            'content-type': e.contentType,
            ...c2.headers,
          });
          assert.ok(after.status >= 200 && after.status < 300, `${where} after: ${after.status}`);
        }
      }
      assert.deepEqual(await s.events(), []);
    },
  );
});
