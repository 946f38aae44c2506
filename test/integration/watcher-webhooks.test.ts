import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { signBody, type WatchSettingsInput } from '@restack/webhooks';
import pino from 'pino';
import { freePort } from '../harness/free-port.js';
import { pushImage, pushIndex } from '../harness/images.js';
import { waitFor } from '../harness/nats.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { backbone, manualClock, registryClient, watcher } from './watcher-fixture.js';

const TIMEOUT = 90_000;
const FIXTURES = fileURLToPath(new URL('../../fixtures/webhooks/', import.meta.url));
const layer = (text: string) => ({ layers: [{ files: { 'etc/version': text } }] });
const env = {
  DIST: 'dist-token',
  HUB: 'hub-token',
  HARBOR: 'Basic aGFyYm9yOnMzY3JldA==',
  GH: 'gh-secret',
  GEN: 'gen-secret',
};

function settings(reg: TestRegistry, extra: Partial<WatchSettingsInput> = {}): WatchSettingsInput {
  return {
    webhooks: {
      distribution: { secretEnv: 'DIST', registry: reg.host },
      dockerhub: { secretEnv: 'HUB', registry: reg.host },
      harbor: { secretEnv: 'HARBOR', registry: reg.host },
      github: { secretEnv: 'GH', registry: reg.host },
      generic: { secretEnv: 'GEN' },
    },
    ...extra,
  };
}

async function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

interface Case {
  name: string;
  kind: string;
  file: string;
  repo: string;
  tag: string;
  headers: (body: string) => Record<string, string>;
  query?: string;
}

const cases: Case[] = [
  {
    name: 'distribution notification',
    kind: 'distribution',
    file: 'distribution-push.json',
    repo: 'library/test',
    tag: '1',
    headers: () => ({
      authorization: 'Bearer dist-token',
      'content-type': 'application/vnd.docker.distribution.events.v2+json',
    }),
  },
  {
    name: 'Docker Hub push (no digest: resolved with a HEAD)',
    kind: 'dockerhub',
    file: 'dockerhub-push.json',
    repo: 'svendowideit/testhook',
    tag: 'latest',
    headers: () => ({}),
    query: '?token=hub-token',
  },
  {
    name: 'Harbor PUSH_ARTIFACT, default format',
    kind: 'harbor',
    file: 'harbor-push-default.json',
    repo: 'harbor/alpine',
    tag: 'latest',
    headers: () => ({ authorization: env.HARBOR }),
  },
  {
    name: 'Harbor PUSH_ARTIFACT, CloudEvents format',
    kind: 'harbor',
    file: 'harbor-push-cloudevents.json',
    repo: 'harbor/alpine',
    tag: '3.8',
    headers: () => ({ authorization: env.HARBOR, 'content-type': 'application/cloudevents+json' }),
  },
  {
    name: 'GitHub package event (GHCR)',
    kind: 'github',
    file: 'github-package-published.json',
    repo: 'codertocat/hello-world',
    tag: 'latest',
    headers: (b) => ({ 'x-github-event': 'package', 'x-hub-signature-256': signBody(env.GH, b) }),
  },
  {
    name: 'GitHub registry_package event (GHCR)',
    kind: 'github',
    file: 'github-registry-package-published.json',
    repo: 'codertocat/hello-world',
    tag: 'latest',
    headers: (b) => ({
      'x-github-event': 'registry_package',
      'x-hub-signature-256': signBody(env.GH, b),
    }),
  },
  {
    name: 'generic HMAC-signed form',
    kind: 'generic',
    file: 'generic.json',
    repo: 'generic/app',
    tag: '1',
    headers: (b) => ({ 'x-restack-signature': signBody(env.GEN, b) }),
  },
];

async function setup(
  t: TestContext,
  extra: Partial<WatchSettingsInput> = {},
  clock?: () => number,
) {
  const { bus, events } = await backbone(t);
  const reg = await startRegistry();
  t.after(() => reg.close());
  const refs: string[] = [];
  const w = await watcher(t, {
    bus,
    registryClient: await registryClient(t, [reg.host]),
    graphSource: () => refs,
    config: settings(reg, extra),
    env,
    webhooks: { port: 0, host: '127.0.0.1' },
    ...(clock ? { clock } : {}),
  });
  return { bus, events, reg, refs, w };
}

describe('registry watcher: webhooks', () => {
  for (const c of cases) {
    it(`turns a ${c.name} into one digest.changed`, { timeout: TIMEOUT }, async (t) => {
      const { events, reg, refs, w } = await setup(t);
      const ref = `${reg.host}/${c.repo}:${c.tag}`;
      refs.push(ref);
      await pushImage(reg.url, c.repo, c.tag, layer('1'));
      await w.pollOnce();
      const v2 = await pushImage(reg.url, c.repo, c.tag, layer('2'));
      const body = (await readFile(`${FIXTURES}${c.file}`, 'utf8')).replaceAll(
        'REGISTRY',
        reg.host,
      );
      const url = `${w.webhookUrl}/webhooks/${c.kind}${c.query ?? ''}`;
      const first = await post(url, body, c.headers(body));
      assert.equal(first.status, 202, JSON.stringify(first.json));
      assert.deepEqual(first.json.changed, [ref]);
      const again = await post(url, body, c.headers(body));
      assert.equal(again.status, 202);
      assert.deepEqual(again.json.changed, []);
      const changed = await events('restack.digest.changed');
      assert.equal(changed.length, 1);
      assert.equal(changed[0]?.data.digest, v2.digest);
      assert.equal(changed[0]?.data.detectedBy, 'webhook');
    });
  }

  it(
    'ignores a pull notification and answers 2xx so the registry does not retry it',
    { timeout: TIMEOUT },
    async (t) => {
      const { events, w } = await setup(t);
      const body = await readFile(`${FIXTURES}distribution-pull.json`, 'utf8');
      const r = await post(`${w.webhookUrl}/webhooks/distribution`, body, {
        authorization: 'Bearer dist-token',
      });
      assert.equal(r.status, 202);
      assert.deepEqual(r.json.checked, []);
      assert.equal((await events()).length, 0);
    },
  );

  it(
    'publishes one event per push from real distribution notifications',
    { timeout: TIMEOUT },
    async (t) => {
      const { bus, events } = await backbone(t);
      const port = await freePort();
      const reg = await startRegistry({
        notifications: [
          {
            url: `http://127.0.0.1:${port}/webhooks/distribution`,
            headers: { Authorization: ['Bearer dist-token'] },
          },
        ],
      });
      t.after(() => reg.close());
      const ref = `${reg.host}/app:1`;
      const lines: string[] = [];
      const logger = pino(
        { level: 'debug' },
        new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) }),
      );
      const w = await watcher(t, {
        logger,
        bus,
        registryClient: await registryClient(t, [reg.host]),
        graphSource: () => [ref],
        config: { webhooks: { distribution: { secretEnv: 'DIST' } } },
        env,
        webhooks: { port, host: '127.0.0.1' },
      });
      // Distribution notifies before it moves the tag, so the first check can find no tag yet:
      // wait for the pushed digest itself, or push 2 could be the first one the watcher sees.
      const first = (await pushImage(reg.url, 'app', '1', layer('1'))).digest;
      await waitFor(
        'the first push to be recorded',
        async () => (await w.state(ref))?.digest === first,
      );
      const digests: string[] = [];
      for (const n of [2, 3, 4]) {
        digests.push((await pushImage(reg.url, 'app', '1', layer(String(n)))).digest);
        await waitFor(
          `the event for push ${n}`,
          async () => (await events('restack.digest.changed')).length === digests.length,
          60_000,
        ).catch(async (e: unknown) => {
          // It timed out in a few loaded full-suite runs and never alone: say what was there.
          const seen = (await events('restack.digest.changed')).map(
            (x) => `${x.data.previousDigest} -> ${x.data.digest}`,
          );
          const state = await w.state(ref);
          throw new Error(
            `${String(e)}; pushed ${JSON.stringify(digests)}; events ${JSON.stringify(seen)}; ` +
              `state ${JSON.stringify(state)}; watcher log:\n${lines.join('')}`,
          );
        });
      }
      await w.pollOnce();
      const changed = await events('restack.digest.changed');
      assert.deepEqual(
        changed.map((e) => e.data.digest),
        digests,
      );
      assert.ok(changed.every((e) => e.data.detectedBy === 'webhook'));
    },
  );

  it(
    'publishes one event when a webhook and a poll see the same change',
    { timeout: TIMEOUT },
    async (t) => {
      const { events, reg, refs, w } = await setup(t);
      const ref = `${reg.host}/generic/app:1`;
      refs.push(ref);
      await pushImage(reg.url, 'generic/app', '1', layer('1'));
      await w.pollOnce();
      await pushImage(reg.url, 'generic/app', '1', layer('2'));
      const body = JSON.stringify({ ref });
      const headers = { 'x-restack-signature': signBody(env.GEN, body) };
      await Promise.all([
        w.pollOnce(),
        post(`${w.webhookUrl}/webhooks/generic`, body, headers),
        w.pollOnce(),
      ]);
      await post(`${w.webhookUrl}/webhooks/generic`, body, headers);
      assert.equal((await events('restack.digest.changed')).length, 1);
    },
  );

  it(
    'refuses bad webhooks with a 4xx, publishes nothing, logs no secret and keeps working',
    { timeout: TIMEOUT },
    async (t) => {
      const { bus, events } = await backbone(t);
      const reg = await startRegistry();
      t.after(() => reg.close());
      const lines: string[] = [];
      const logger = pino(
        { level: 'debug' },
        new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) }),
      );
      const ref = `${reg.host}/generic/app:1`;
      await pushImage(reg.url, 'generic/app', '1', layer('1'));
      const w = await watcher(t, {
        bus,
        registryClient: await registryClient(t, [reg.host]),
        graphSource: () => [ref],
        config: {
          webhooks: { generic: { secretEnv: 'GEN' }, distribution: { secretEnv: 'DIST' } },
        },
        env,
        logger,
        webhooks: { port: 0, host: '127.0.0.1' },
      });
      await w.pollOnce();
      await pushImage(reg.url, 'generic/app', '1', layer('2'));
      const url = `${w.webhookUrl}/webhooks/generic`;
      const body = JSON.stringify({ ref });
      const sign = (b: string | Buffer) => ({ 'x-restack-signature': signBody(env.GEN, b) });
      const huge = Buffer.alloc(1024 * 1024 + 10, 0x20);
      const bad: Array<
        [string, Promise<{ status: number; json: Record<string, unknown> }>, number]
      > = [
        ['unsigned', post(url, body), 401],
        [
          'wrongly signed',
          post(url, body, { 'x-restack-signature': signBody('not-the-secret', body) }),
          401,
        ],
        ['malformed JSON', post(url, '{"ref":', sign('{"ref":')), 400],
        ['wrong shape', post(url, '{"image":"x"}', sign('{"image":"x"}')), 400],
        [
          'invalid reference',
          post(url, '{"ref":"UPPER/Case:1"}', sign('{"ref":"UPPER/Case:1"}')),
          400,
        ],
        ['oversized', post(url, huge, sign(huge)), 413],
        ['unknown kind', post(`${w.webhookUrl}/webhooks/gitlab`, body), 404],
        ['kind not enabled', post(`${w.webhookUrl}/webhooks/harbor`, body), 404],
        [
          'distribution without the bearer token',
          post(`${w.webhookUrl}/webhooks/distribution`, '{"events":[]}', {
            authorization: 'Bearer nope',
          }),
          401,
        ],
      ];
      for (const [what, pending, status] of bad) {
        const r = await pending;
        assert.equal(r.status, status, what);
        assert.equal(typeof r.json.error, 'string', what);
      }
      const get = await fetch(url);
      assert.equal(get.status, 405);
      assert.equal((await events()).length, 0);
      const ok = await post(url, body, sign(body));
      assert.equal(ok.status, 202);
      assert.equal((await events('restack.digest.changed')).length, 1);
      const log = lines.join('');
      assert.match(log, /webhook refused/);
      for (const secret of Object.values(env))
        assert.ok(!log.includes(secret), 'no secret in the logs');
    },
  );

  it(
    'publishes only the last digest when an index moves again inside the settle window',
    { timeout: TIMEOUT },
    async (t) => {
      const clock = manualClock();
      const { events, reg, refs, w } = await setup(t, { settleWindowSeconds: 30 }, clock.now);
      const ref = `${reg.host}/generic/multi:1`;
      refs.push(ref);
      const platforms = (v: string) => ({
        'linux/amd64': layer(`a${v}`),
        'linux/arm64/v8': layer(`b${v}`),
      });
      const v1 = await pushIndex(reg.url, 'generic/multi', '1', platforms('1'));
      await w.pollOnce();
      const body = JSON.stringify({ ref });
      const hook = () =>
        post(`${w.webhookUrl}/webhooks/generic`, body, {
          'x-restack-signature': signBody(env.GEN, body),
        });
      await pushIndex(reg.url, 'generic/multi', '1', platforms('2'));
      await hook();
      clock.advance(10_000);
      const v3 = await pushIndex(reg.url, 'generic/multi', '1', platforms('3'));
      await hook();
      clock.advance(20_000);
      await w.pollOnce(); // 30 s after the first move, but the window restarted with the second
      assert.equal((await events()).length, 0);
      assert.equal((await w.state(ref))?.pending?.digest, v3.digest);
      clock.advance(11_000);
      await w.flushSettled();
      await w.pollOnce();
      const changed = await events('restack.digest.changed');
      assert.equal(changed.length, 1);
      assert.equal(changed[0]?.data.previousDigest, v1.digest);
      assert.equal(changed[0]?.data.digest, v3.digest);
      assert.deepEqual(changed[0]?.data.platforms, ['linux/amd64', 'linux/arm64/v8']);
    },
  );
});
