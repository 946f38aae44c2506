import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, type TestContext } from 'node:test';
import type { RegistrySettings } from '@restack/registry';
import type { Watcher, WatcherOptions } from '@restack/svc-registry-watcher';
import {
  startFaultProxy,
  type Fault,
  type FaultProxy,
  type Match,
} from '../harness/fault-proxy.js';
import { pushImage, sha256 } from '../harness/images.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { waitFor } from '../harness/nats.js';
import { signBody } from '@restack/webhooks';
import { backbone, registryClient, watcher, type Backbone } from './watcher-fixture.js';

// The registry watcher polling a real registry through the fault proxy: a
// fault is a failed check, never a change; back-off is visible in the
// requests the proxy counts; once the fault clears, the real move gives one event.

const TIMEOUT = 90_000;
const MANIFESTS = { path: '/manifests/' } satisfies Match;
const layer = (text: string) => ({ layers: [{ files: { 'etc/version': text } }] });

interface Setup {
  bb: Backbone;
  reg: TestRegistry;
  proxy: FaultProxy;
  ref: string;
  v1: string;
  pollOnce(): Promise<Record<string, number>>;
  lastError(): Promise<{ kind: string; reason: string } | null | undefined>;
  /** Moves base:1 in the registry itself, behind the proxy's back. */
  move(): Promise<string>;
  watcher: Watcher;
}

async function setup(
  t: TestContext,
  settings: RegistrySettings,
  options: Partial<WatcherOptions> = {},
): Promise<Setup> {
  const bb = await backbone(t);
  const reg = await startRegistry();
  t.after(() => reg.close());
  const proxy = await startFaultProxy(reg.url);
  t.after(() => proxy.close());
  const v1 = (await pushImage(reg.url, 'base', '1', layer('1'))).digest;
  const ref = `${proxy.host}/base:1`;
  const client = await registryClient(t, [proxy.host], settings);
  const w = await watcher(t, {
    bus: bb.bus,
    registryClient: client,
    graphSource: () => [ref],
    ...options,
  });
  assert.deepEqual((await w.pollOnce()).outcomes, { 'first-seen': 1 });
  proxy.reset();
  return {
    bb,
    reg,
    proxy,
    ref,
    v1,
    pollOnce: async () => (await w.pollOnce()).outcomes,
    lastError: async () => (await w.state(ref))?.lastError,
    move: async () => (await pushImage(reg.url, 'base', '1', layer('2'))).digest,
    watcher: w,
  };
}

/** Once the fault is gone, the move made during it is announced exactly once. */
async function recovers(s: Setup, moved: string): Promise<void> {
  assert.deepEqual(await s.pollOnce(), { changed: 1 });
  assert.deepEqual(await s.pollOnce(), { unchanged: 1 });
  const changed = await s.bb.events('restack.digest.changed');
  assert.equal(changed.length, 1, 'one event for the one real move');
  assert.equal(changed[0]?.data.previousDigest, s.v1);
  assert.equal(changed[0]?.data.digest, moved);
  assert.equal(await s.lastError(), null);
}

/** A fault seen before and after a real move: a failed check each time, no event. */
async function failsWithoutEvent(s: Setup, kind: string): Promise<string> {
  assert.deepEqual(await s.pollOnce(), { failed: 1 }, 'fault before the move');
  assert.equal((await s.lastError())?.kind, kind);
  const moved = await s.move();
  assert.deepEqual(await s.pollOnce(), { failed: 1 }, 'fault after the move');
  assert.equal((await s.lastError())?.kind, kind);
  assert.deepEqual(await s.bb.events(), [], 'no event while the registry misbehaves');
  return moved;
}

describe('registry watcher through registry faults', () => {
  it(
    '429 with a long Retry-After: fails at once, sends nothing until it ends, then sees the move once',
    { timeout: TIMEOUT },
    async (t) => {
      const s = await setup(t, { retries: 3, maxRetryAfterMs: 200 });
      const moved = await s.move();
      s.proxy.inject(
        { type: 'status', status: 429, headers: { 'retry-after': '3' } },
        { match: MANIFESTS },
      );
      assert.deepEqual(await s.pollOnce(), { failed: 1 });
      assert.equal((await s.lastError())?.kind, 'rate-limited');
      const limited = s.proxy.requests[0];
      assert.equal(limited?.status, 429);
      // Polls during the pause fail without asking the registry.
      assert.deepEqual(await s.pollOnce(), { failed: 1 });
      assert.deepEqual(await s.pollOnce(), { failed: 1 });
      assert.equal(s.proxy.count(), 1, 'one request (the 429) during the pause');
      assert.deepEqual(await s.bb.events(), []);

      s.proxy.clearFaults();
      await sleep(Math.max(0, limited!.at + 3000 - Date.now()) + 50);
      await recovers(s, moved);
      const after = s.proxy.requests.slice(1);
      assert.ok(after.length > 0);
      for (const r of after) assert.ok(r.at >= limited!.at + 2950, `${r.method} came too early`);
    },
  );

  it(
    '429 with a short Retry-After: waits it out and retries within the same poll',
    { timeout: TIMEOUT },
    async (t) => {
      const s = await setup(t, { retries: 3, maxRetryAfterMs: 5000 });
      const moved = await s.move();
      s.proxy.inject(
        { type: 'status', status: 429, headers: { 'retry-after': '1' } },
        { match: { method: 'HEAD' }, times: 1 },
      );
      assert.deepEqual(await s.pollOnce(), { changed: 1 });
      const [limited, retry] = s.proxy.requests;
      assert.equal(limited?.status, 429);
      assert.equal(retry?.method, 'HEAD');
      assert.equal(retry?.status, 200);
      assert.ok(retry!.at >= limited!.at + 950, 'the retry waited for Retry-After');
      const changed = await s.bb.events('restack.digest.changed');
      assert.deepEqual(
        changed.map((e) => e.data.digest),
        [moved],
      );
    },
  );

  it(
    'a burst of 5xx: bounded retries per poll, no event, and a short burst is ridden out',
    { timeout: TIMEOUT },
    async (t) => {
      const s = await setup(t, { retries: 2 });
      s.proxy.inject({ type: 'status', status: 503 }, { match: MANIFESTS });
      const moved = await failsWithoutEvent(s, 'server-error');
      assert.equal(s.proxy.count(), 6, 'two polls, each one try and two retries');
      s.proxy.clearFaults();
      s.proxy.reset();
      s.proxy.inject({ type: 'status', status: 502 }, { match: MANIFESTS, times: 2 });
      await recovers(s, moved);
      assert.equal(s.proxy.count({ method: 'HEAD' }), 4, 'two 502s, the retry, the next poll');
    },
  );

  it(
    'a registry that hangs: each try times out, retries are bounded, no event',
    { timeout: TIMEOUT },
    async (t) => {
      const s = await setup(t, { retries: 1, timeoutMs: 300 });
      s.proxy.inject({ type: 'hang' }, { match: MANIFESTS });
      const moved = await failsWithoutEvent(s, 'timeout');
      assert.equal(s.proxy.count(), 4, 'two polls, each one try and one retry');
      s.proxy.clearFaults();
      await recovers(s, moved);
    },
  );

  it(
    'truncated manifest bodies (no digest header, so the client must GET): no event',
    { timeout: TIMEOUT },
    async (t) => {
      const s = await setup(t, { retries: 1 });
      s.proxy.inject({ type: 'digest', value: null }, { match: MANIFESTS });
      s.proxy.inject({ type: 'truncate' }, { match: { method: 'GET', path: '/manifests/' } });
      const moved = await failsWithoutEvent(s, 'network');
      assert.equal(s.proxy.count({ method: 'GET' }), 4, 'two polls, each one GET and one retry');
      s.proxy.clearFaults();
      await recovers(s, moved);
    },
  );

  it(
    'a wrong Docker-Content-Digest is never announced as a change',
    { timeout: TIMEOUT },
    async (t) => {
      const s = await setup(t, { retries: 1 });
      const wrong: Fault = { type: 'digest', value: sha256('not the manifest') };
      s.proxy.inject(wrong, { match: MANIFESTS });
      const moved = await failsWithoutEvent(s, 'digest-mismatch');
      s.proxy.clearFaults();
      await recovers(s, moved);
    },
  );

  it(
    'a webhook whose check meets a burst of 5xx is looked at again until the registry answers: one event, no poll',
    { timeout: TIMEOUT },
    async (t) => {
      const {
        bb,
        proxy,
        ref,
        v1,
        move,
        watcher: w,
      } = await setup(
        t,
        { retries: 0 },
        { config: { webhooks: { generic: { secretEnv: 'HOOK' } } }, env: { HOOK: 'hook-secret' } },
      );
      const moved = await move();
      // The first look and the next one fail; the webhook names the digest to wait for.
      proxy.inject({ type: 'status', status: 503 }, { match: MANIFESTS, times: 2 });
      const body = Buffer.from(JSON.stringify({ ref, digest: moved }));
      const reply = await w.handleWebhook('generic', {
        headers: {
          'content-type': 'application/json',
          'x-restack-signature': signBody('hook-secret', body),
        },
        body,
      });
      assert.equal(reply.status, 202);
      await waitFor('the move announced after the registry recovered', async () => {
        return (await bb.events('restack.digest.changed')).length === 1;
      });
      const changed = await bb.events('restack.digest.changed');
      assert.equal(changed[0]?.data.previousDigest, v1);
      assert.equal(changed[0]?.data.digest, moved);
      assert.equal(changed[0]?.data.detectedBy, 'webhook');
      assert.ok(
        proxy.requests.filter((r) => r.status === 503).length === 2,
        'both faults were met',
      );
    },
  );
});
