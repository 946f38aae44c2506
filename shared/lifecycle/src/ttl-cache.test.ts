import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageInspector, InspectResult } from './facts.js';
import { cachedInspector } from './ttl-cache.js';

describe('cached inspector', () => {
  it('reuses answers for the TTL, failures for the shorter TTL, and shares lookups in flight', async () => {
    let calls = 0;
    let fail = false;
    const inner: ImageInspector = {
      async inspect(reference): Promise<InspectResult> {
        calls++;
        return fail
          ? { ok: false, kind: 'network', reason: 'down' }
          : ({ ok: true, facts: { reference } } as unknown as InspectResult);
      },
    };
    let now = 0;
    const cache = cachedInspector(inner, { ttlMs: 1000, failureTtlMs: 100, clock: () => now });
    await Promise.all([cache.inspect('a'), cache.inspect('a')]);
    assert.equal(calls, 1);
    now = 999;
    await cache.inspect('a');
    assert.equal(calls, 1);
    now = 1000;
    fail = true;
    assert.equal((await cache.inspect('a')).ok, false);
    assert.equal(calls, 2);
    now = 1099;
    await cache.inspect('a');
    assert.equal(calls, 2);
    now = 1100;
    fail = false;
    assert.equal((await cache.inspect('a')).ok, true);
    assert.equal(calls, 3);
  });
});
