import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRestackError } from '@restack/core';
import { z } from 'zod';
import { busFixture } from '../harness/nats.js';

// A service that starts while nats-server restarts waits for it instead of
// exiting at start-up (the chaos test once lost a service that way).

const schema = z.object({ n: z.number() });

describe('start-up while nats-server restarts', { timeout: 90_000 }, () => {
  it('opens a bucket, a lease bucket and the topology once the server is back', async (t) => {
    const { nats, bus } = await busFixture(t, [{ buckets: [{ name: 'state' }] }]);
    await nats.kill();
    const opening = Promise.all([
      bus.kv('state', schema),
      bus.leases(),
      bus.ensureTopology({ streams: [], consumers: [], buckets: [{ name: 'state' }] }),
    ]);
    opening.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
    // Down long enough for the requests above to time out at least once.
    await new Promise((r) => setTimeout(r, 6_000));
    await nats.start();
    const [kv, leases] = await opening;
    await kv.put('k', { n: 1 });
    assert.deepEqual((await kv.get('k'))?.value, { n: 1 });
    assert.ok(await leases.acquire('job', 'me', 10_000));
  });

  it('still says that a bucket nobody declared is missing', async (t) => {
    const { bus } = await busFixture(t);
    await assert.rejects(
      bus.kv('undeclared', schema),
      (e) => isRestackError(e) && e.code === 'BUS_BUCKET_MISSING',
    );
  });
});
