import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLimiter, PausedError } from './limiter.js';

describe('createLimiter', () => {
  it('never lets more than `concurrency` holders in at once', async () => {
    const limiter = createLimiter({ concurrency: 2, requestsPerSecond: 10_000, maxWaitMs: 1000 });
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const release = await limiter.acquire();
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        release();
      }),
    );
    assert.ok(peak <= 2, `peak ${peak}`);
  });

  it('fails at once while paused longer than maxWaitMs, and gives its slot back', async () => {
    const limiter = createLimiter({ concurrency: 1, requestsPerSecond: 10_000, maxWaitMs: 100 });
    limiter.pauseUntil(Date.now() + 60_000);
    await assert.rejects(limiter.acquire(), PausedError);
    // With one slot, a second acquire could only fail fast if the first gave it back.
    await assert.rejects(limiter.acquire(), PausedError);
  });

  it('holds a request until a short pause has ended', async () => {
    const limiter = createLimiter({ concurrency: 1, requestsPerSecond: 10_000, maxWaitMs: 1000 });
    const until = Date.now() + 30;
    limiter.pauseUntil(until);
    const release = await limiter.acquire();
    assert.ok(Date.now() >= until);
    release();
  });
});
