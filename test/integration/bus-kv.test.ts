import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { encodeKvKey, type Bus } from '@restack/bus';
import { isRestackError } from '@restack/core';
import { z } from 'zod';
import { busFixture } from '../harness/nats.js';

const TIMEOUT = 60_000;
const counterSchema = z.object({ count: z.number().int(), by: z.array(z.string()) });

async function fixture(t: TestContext): Promise<{ bus: Bus; other: Bus }> {
  const { bus, open } = await busFixture(t, [{ buckets: [{ name: 'state', history: 5 }] }]);
  return { bus, other: await open('two') };
}

function code(e: unknown): string | undefined {
  return isRestackError(e) ? e.code : undefined;
}

describe('typed KV', () => {
  it('creates once, updates by revision and validates values', { timeout: TIMEOUT }, async (t) => {
    const { bus } = await fixture(t);
    const kv = await bus.kv('state', counterSchema);
    const key = encodeKvKey('docker.io/library/debian:bookworm');
    assert.equal(await kv.get(key), null);
    const rev = await kv.create(key, { count: 1, by: [] });
    await assert.rejects(kv.create(key, { count: 9, by: [] }), (e) => code(e) === 'KV_EXISTS');
    const rev2 = await kv.update(key, { count: 2, by: [] }, rev);
    await assert.rejects(
      kv.update(key, { count: 3, by: [] }, rev),
      (e) => code(e) === 'KV_CONFLICT',
    );
    assert.deepEqual(await kv.get(key), { key, value: { count: 2, by: [] }, revision: rev2 });
    await assert.rejects(
      kv.put(key, { count: 'x' } as never),
      (e) => code(e) === 'KV_INVALID_VALUE',
    );
    assert.deepEqual(await kv.keys(), [key]);
    await kv.delete(key, rev2);
    assert.equal(await kv.get(key), null);
    await assert.rejects(
      bus.kv('undeclared', counterSchema),
      (e) => code(e) === 'BUS_BUCKET_MISSING',
    );
  });

  it(
    'mutate retries on conflicts so concurrent writers from two connections lose nothing',
    { timeout: TIMEOUT },
    async (t) => {
      const { bus, other } = await fixture(t);
      const kvs = [await bus.kv('state', counterSchema), await other.kv('state', counterSchema)];
      const writers = Array.from({ length: 12 }, (_, i) =>
        kvs[i % 2]!.mutate('counter', (current) => ({
          count: (current?.count ?? 0) + 1,
          by: [...(current?.by ?? []), `w${i}`],
        })),
      );
      await Promise.all(writers);
      const final = await kvs[0]!.get('counter');
      assert.equal(final?.value.count, 12);
      assert.equal(new Set(final?.value.by).size, 12);
      // Returning undefined leaves the value alone.
      const same = await kvs[1]!.mutate('counter', () => undefined);
      assert.equal(same?.revision, final?.revision);
    },
  );
});

describe('leases', () => {
  it(
    'lets one of two holders in, and the other take over after expiry or release',
    { timeout: TIMEOUT },
    async (t) => {
      const { bus, other } = await fixture(t);
      let now = Date.parse('2024-05-01T10:00:00Z');
      const clock = (): number => now;
      const a = await bus.leases({ clock });
      const b = await other.leases({ clock });

      const leaseA = await a.acquire('poll', 'replica-a', 30_000);
      assert.ok(leaseA);
      assert.equal(await b.acquire('poll', 'replica-b', 30_000), null);
      now += 20_000;
      const renewed = await a.renew(leaseA, 30_000);
      assert.ok(renewed, 'the holder renews before expiry');
      now += 20_000; // still inside the renewed lease
      assert.equal(await b.acquire('poll', 'replica-b', 30_000), null);

      now += 15_000; // A stopped renewing: the lease expired
      const leaseB = await b.acquire('poll', 'replica-b', 30_000);
      assert.ok(leaseB, 'B takes over the expired lease');
      assert.equal(await a.renew(renewed, 30_000), null, 'A learns it lost the lease');
      assert.equal(await a.release(renewed), false, 'A cannot release what it lost');
      assert.equal((await a.current('poll'))?.holder, 'replica-b');

      assert.equal(await b.release(leaseB), true);
      const again = await a.acquire('poll', 'replica-a', 30_000);
      assert.equal(again?.holder, 'replica-a', 'A acquires after B released');
    },
  );

  it(
    'gives a contested free lease to exactly one of many contenders',
    { timeout: TIMEOUT },
    async (t) => {
      const { bus, other } = await fixture(t);
      const managers = [await bus.leases(), await other.leases()];
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          managers[i % 2]!.acquire('schedule', `holder-${i}`, 60_000),
        ),
      );
      const winners = results.filter((r) => r !== null);
      assert.equal(winners.length, 1);
      assert.equal((await managers[0]!.current('schedule'))?.holder, winners[0]?.holder);
    },
  );
});
