import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent } from '@restack/events';
import { eventIdOf } from '@restack/svc-registry-watcher';
import { startFaultProxy } from '../harness/fault-proxy.js';
import { deleteTag, pushImage, pushIndex } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import { T0, backbone, manualClock, registryClient, watcher } from './watcher-fixture.js';

const TIMEOUT = 90_000;
const layer = (text: string) => ({ layers: [{ files: { 'etc/version': text } }] });

describe('registry watcher: polling', () => {
  it(
    'records a new tag silently, then publishes one change, using one HEAD per unchanged tag',
    { timeout: TIMEOUT },
    async (t) => {
      const { bus, events } = await backbone(t);
      const reg = await startRegistry();
      t.after(() => reg.close());
      const v1 = await pushImage(reg.url, 'base', '1', layer('1'));
      const ref = `${reg.host}/base:1`;
      const client = await registryClient(t, [reg.host]);
      const clock = manualClock();
      // Listed twice (as a graph does when two Dockerfiles use it): still one lookup.
      const w = await watcher(t, {
        bus,
        registryClient: client,
        graphSource: () => [ref, `${reg.host}/base:1`],
        clock: clock.now,
      });

      assert.deepEqual((await w.pollOnce()).outcomes, { 'first-seen': 1 });
      assert.equal((await w.state(ref))?.digest, v1.digest);
      assert.equal((await events()).length, 0, 'first sight is recorded, not announced');

      const heads = client.requestCount({ method: 'HEAD' });
      const gets = client.requestCount({ method: 'GET' });
      assert.deepEqual((await w.pollOnce()).outcomes, { unchanged: 1 });
      assert.equal(client.requestCount({ method: 'HEAD' }) - heads, 1);
      assert.equal(client.requestCount({ method: 'GET' }) - gets, 0);

      const v2 = await pushImage(reg.url, 'base', '1', layer('2'));
      clock.advance(60_000);
      assert.deepEqual((await w.pollOnce()).outcomes, { changed: 1 });
      await w.pollOnce();
      const changed = await events('restack.digest.changed');
      assert.equal(changed.length, 1);
      assert.deepEqual(changed[0]!.data, {
        ref,
        previousDigest: v1.digest,
        digest: v2.digest,
        platforms: [],
        detectedBy: 'poll',
        firstSeenAt: new Date(T0 + 60_000).toISOString(),
      });
      const state = await w.state(ref);
      assert.equal(state?.digest, v2.digest);
      assert.equal(state?.lastCheckedAt, new Date(T0 + 60_000).toISOString());
    },
  );

  it(
    'names the platforms of a multi-platform index in the event and keeps their digests',
    { timeout: TIMEOUT },
    async (t) => {
      const { bus, events } = await backbone(t);
      const reg = await startRegistry();
      t.after(() => reg.close());
      await pushIndex(reg.url, 'multi', '1', {
        'linux/amd64': layer('a1'),
        'linux/arm64/v8': layer('b1'),
      });
      const ref = `${reg.host}/multi:1`;
      const w = await watcher(t, {
        bus,
        registryClient: await registryClient(t, [reg.host]),
        graphSource: () => [ref],
      });
      await w.pollOnce();
      const next = await pushIndex(reg.url, 'multi', '1', {
        'linux/amd64': layer('a2'),
        'linux/arm64/v8': layer('b2'),
      });
      await w.pollOnce();
      const [e, ...rest] = await events('restack.digest.changed');
      assert.equal(rest.length, 0);
      assert.equal(e?.data.digest, next.digest);
      assert.deepEqual(e?.data.platforms, ['linux/amd64', 'linux/arm64/v8']);
      assert.deepEqual((await w.state(ref))?.platforms, {
        'linux/amd64': next.platforms['linux/amd64']!.digest,
        'linux/arm64/v8': next.platforms['linux/arm64/v8']!.digest,
      });
    },
  );

  it(
    'publishes restack.tag.missing once when a tag disappears, not on every cycle',
    { timeout: TIMEOUT },
    async (t) => {
      const { bus, events } = await backbone(t);
      const reg = await startRegistry();
      t.after(() => reg.close());
      const v1 = await pushImage(reg.url, 'gone', '1', layer('1'));
      const ref = `${reg.host}/gone:1`;
      const w = await watcher(t, {
        bus,
        registryClient: await registryClient(t, [reg.host]),
        graphSource: () => [ref],
      });
      await w.pollOnce();
      await deleteTag(reg.url, 'gone', '1');
      assert.deepEqual((await w.pollOnce()).outcomes, { missing: 1 });
      await w.pollOnce();
      await w.pollOnce();
      const missing = await events('restack.tag.missing');
      assert.equal(missing.length, 1);
      assert.deepEqual(missing[0]!.data, { ref, previousDigest: v1.digest, detectedBy: 'poll' });
      assert.equal((await events('restack.digest.changed')).length, 0);
      assert.equal((await w.state(ref))?.missing, true);
    },
  );

  it(
    'records a failed check with its reason when the registry is down, and never a change',
    { timeout: TIMEOUT },
    async (t) => {
      const { bus, events } = await backbone(t);
      const reg = await startRegistry();
      t.after(() => reg.close());
      const v1 = await pushImage(reg.url, 'base', '1', layer('1'));
      const ref = `${reg.host}/base:1`;
      const w = await watcher(t, {
        bus,
        registryClient: await registryClient(t, [reg.host], { retries: 0, timeoutMs: 2000 }),
        graphSource: () => [ref],
      });
      await w.pollOnce();
      await reg.stop();
      assert.deepEqual((await w.pollOnce()).outcomes, { failed: 1 });
      const state = await w.state(ref);
      assert.equal(state?.digest, v1.digest, 'the known digest is kept');
      assert.equal(state?.lastError?.kind, 'network');
      assert.match(state?.lastError?.reason ?? '', new RegExp(reg.host.replace(/\./g, '\\.')));
      await reg.start();
      assert.deepEqual((await w.pollOnce()).outcomes, { unchanged: 1 });
      assert.equal((await w.state(ref))?.lastError, null);
      assert.equal((await events()).length, 0);
    },
  );

  it(
    'reads neither a 429 nor a 500 as a change or a missing tag',
    { timeout: TIMEOUT },
    async (t) => {
      const { bus, events } = await backbone(t);
      const reg = await startRegistry();
      t.after(() => reg.close());
      const proxy = await startFaultProxy(reg.url);
      t.after(() => proxy.close());
      const v1 = await pushImage(reg.url, 'base', '1', layer('1'));
      const ref = `${proxy.host}/base:1`;
      const client = await registryClient(t, [proxy.host], { retries: 1, maxRetryAfterMs: 100 });
      const w = await watcher(t, { bus, registryClient: client, graphSource: () => [ref] });
      await w.pollOnce();
      await pushImage(reg.url, 'base', '1', layer('2'));
      for (const fault of [
        { type: 'status' as const, status: 429, headers: { 'retry-after': '0' } },
        { type: 'status' as const, status: 500 },
      ]) {
        proxy.inject(fault, { match: { path: '/manifests/' } });
        const report = await w.pollOnce();
        proxy.clearFaults();
        assert.deepEqual(report.outcomes, { failed: 1 }, `status ${fault.status}`);
        const state = await w.state(ref);
        assert.equal(state?.digest, v1.digest);
        assert.equal(
          state?.lastError?.kind,
          fault.status === 429 ? 'rate-limited' : 'server-error',
        );
      }
      assert.equal((await events()).length, 0, 'neither a change nor a missing tag');
      // Once the registry answers again, the real move is seen, once.
      await w.pollOnce();
      await w.pollOnce();
      assert.equal((await events('restack.digest.changed')).length, 1);
    },
  );

  it(
    'polls a registry behind htpasswd with credentials from Docker config.json',
    { timeout: TIMEOUT },
    async (t) => {
      const { bus, events } = await backbone(t);
      const reg = await startRegistry({ htpasswd: { alice: 's3cret' } });
      t.after(() => reg.close());
      const authorization = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
      await pushImage(reg.url, 'private', '1', layer('1'), { authorization });
      const ref = `${reg.host}/private:1`;
      const auth = { host: reg.host, user: 'alice', password: 's3cret' };
      const w = await watcher(t, {
        bus,
        registryClient: await registryClient(t, [reg.host], {}, auth),
        graphSource: () => [ref],
      });
      assert.deepEqual((await w.pollOnce()).outcomes, { 'first-seen': 1 });
      const v2 = await pushImage(reg.url, 'private', '1', layer('2'), { authorization });
      assert.deepEqual((await w.pollOnce()).outcomes, { changed: 1 });
      assert.equal((await events('restack.digest.changed'))[0]?.data.digest, v2.digest);

      await w.stop(); // releases the poll lease
      const stranger = await watcher(t, {
        bus,
        registryClient: await registryClient(t, [reg.host], { retries: 0 }),
        graphSource: () => [ref],
      });
      const report = await stranger.pollOnce();
      assert.deepEqual(report.outcomes, { failed: 1 });
      assert.equal((await stranger.state(ref))?.lastError?.kind, 'unauthorized');
      assert.equal((await events()).length, 1);
    },
  );

  it(
    'after a restart (even one that crashed after publishing) a moved tag gives exactly one event',
    { timeout: TIMEOUT },
    async (t) => {
      const { bus, events } = await backbone(t);
      const reg = await startRegistry();
      t.after(() => reg.close());
      const v1 = await pushImage(reg.url, 'base', '1', layer('1'));
      const ref = `${reg.host}/base:1`;
      const first = await watcher(t, {
        bus,
        registryClient: await registryClient(t, [reg.host]),
        graphSource: () => [ref],
      });
      await first.pollOnce();
      await first.stop();

      const v2 = await pushImage(reg.url, 'base', '1', layer('2'));
      // What a watcher that crashed between publish and state write left behind: the event, not the state.
      const fact = {
        type: 'restack.digest.changed' as const,
        data: {
          ref,
          previousDigest: v1.digest,
          digest: v2.digest,
          platforms: [],
          detectedBy: 'poll' as const,
          firstSeenAt: new Date(T0).toISOString(),
        },
      };
      await bus.publish(createEvent(fact.type, fact.data, { id: eventIdOf(fact) }));

      const second = await watcher(t, {
        bus,
        registryClient: await registryClient(t, [reg.host]),
        graphSource: () => [ref],
      });
      assert.deepEqual((await second.pollOnce()).outcomes, { changed: 1 });
      await second.pollOnce();
      const changed = await events('restack.digest.changed');
      assert.equal(changed.length, 1);
      assert.equal(changed[0]?.data.digest, v2.digest);
      assert.equal((await second.state(ref))?.digest, v2.digest);
    },
  );

  it(
    'lets only the lease holder poll when two watchers share one NATS',
    { timeout: TIMEOUT },
    async (t) => {
      const { bus, events } = await backbone(t);
      const reg = await startRegistry();
      t.after(() => reg.close());
      await pushImage(reg.url, 'base', '1', layer('1'));
      const refs = [`${reg.host}/base:1`];
      const c1 = await registryClient(t, [reg.host]);
      const c2 = await registryClient(t, [reg.host]);
      const w1 = await watcher(t, {
        bus,
        registryClient: c1,
        graphSource: () => refs,
        instanceId: 'one',
      });
      const w2 = await watcher(t, {
        bus,
        registryClient: c2,
        graphSource: () => refs,
        instanceId: 'two',
      });
      const reports = await Promise.all([
        w1.pollOnce(),
        w2.pollOnce(),
        w1.pollOnce(),
        w2.pollOnce(),
      ]);
      const polled = reports.filter((r) => r.skipped === null);
      const skipped = reports.filter((r) => r.skipped === 'lease-held');
      assert.equal(polled.length, 2);
      assert.equal(skipped.length, 2);
      const counts = [c1.requestCount(), c2.requestCount()].sort();
      assert.equal(counts[0], 0, 'the replica without the lease asked the registry nothing');
      assert.ok(counts[1]! > 0);
      // Once the holder stops and releases the lease, the other one takes over.
      const holder = c1.requestCount() > 0 ? w1 : w2;
      const other = holder === w1 ? w2 : w1;
      await holder.stop();
      assert.equal((await other.pollOnce()).skipped, null);
      assert.equal((await events()).length, 0);
    },
  );
});
