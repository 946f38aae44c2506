import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConsumerSpec } from '@restack/bus';
import { createEvent } from '@restack/events';
import { busFixture, waitFor } from '../harness/nats.js';

// A consumer with concurrency handles events in parallel; `orderKey` keeps
// the events of one key in the order they were delivered.

function moved(tag: number, n: number) {
  return createEvent('restack.digest.changed', {
    ref: `registry.example.com/base:${tag}`,
    previousDigest: null,
    digest: `sha256:${n.toString(16).padStart(64, '0')}`,
    platforms: [],
    detectedBy: 'poll',
    firstSeenAt: '2024-05-01T10:00:00Z',
  });
}

describe('bus: ordered concurrency', () => {
  it(
    'runs handlers in parallel, one key at a time, in delivery order',
    { timeout: 60_000 },
    async (t) => {
      const c = {
        durable: 'ordered',
        subjects: ['restack.digest.changed'],
        concurrency: 8,
        orderKey: (e) => (e.type === 'restack.digest.changed' ? e.data.ref : undefined),
      } satisfies ConsumerSpec<'restack.digest.changed'>;
      const { bus } = await busFixture(t, [{ consumers: [c] }]);
      const KEYS = 4;
      const PER_KEY = 12;
      for (let n = 0; n < KEYS * PER_KEY; n++) await bus.publish(moved(n % KEYS, n));

      const seen = new Map<string, number[]>();
      let running = 0;
      let mostAtOnce = 0;
      const busyKeys = new Set<string>();
      let overlapped = false;
      await bus.consume(c, async (e) => {
        const { ref, digest } = e.data;
        if (busyKeys.has(ref)) overlapped = true;
        busyKeys.add(ref);
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        // Uneven handler times, so that an unordered consumer would reorder.
        await new Promise((r) => setTimeout(r, 5 + ((parseInt(digest.slice(-2), 16) * 7) % 20)));
        running--;
        busyKeys.delete(ref);
        seen.set(ref, [...(seen.get(ref) ?? []), parseInt(digest.slice(-8), 16)]);
      });
      await waitFor('every event', () => [...seen.values()].flat().length === KEYS * PER_KEY);

      assert.equal(overlapped, false, 'two events of one key ran at the same time');
      assert.ok(mostAtOnce > 1, `handlers never ran in parallel (at most ${mostAtOnce})`);
      for (const [ref, order] of seen) {
        assert.deepEqual(
          order,
          [...order].sort((a, b) => a - b),
          `${ref} out of order`,
        );
      }
    },
  );
});
