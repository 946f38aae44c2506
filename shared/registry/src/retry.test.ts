import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { backoffMs, parseRateLimitRemaining, parseRetryAfter } from './retry.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delay-seconds', () => {
    assert.equal(parseRetryAfter('2', now), 2000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
  });
  it('reads an HTTP-date relative to now, never negative', () => {
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now), 0);
  });
  it('ignores absent or unreadable values', () => {
    assert.equal(parseRetryAfter(undefined, now), null);
    assert.equal(parseRetryAfter('soon', now), null);
  });
});

describe('parseRateLimitRemaining', () => {
  it("reads Docker Hub's count and window", () => {
    assert.deepEqual(parseRateLimitRemaining('0;w=21600'), { remaining: 0, windowSeconds: 21600 });
    assert.deepEqual(parseRateLimitRemaining('76'), { remaining: 76, windowSeconds: null });
    assert.equal(parseRateLimitRemaining('many'), null);
    assert.equal(parseRateLimitRemaining(undefined), null);
  });
});

describe('backoffMs', () => {
  it('stays between half and all of a ceiling that doubles up to 5 s', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (attempt, r) => {
          const ceiling = Math.min(5000, 200 * 2 ** attempt);
          const d = backoffMs(attempt, () => r);
          return d >= ceiling / 2 && d <= ceiling;
        },
      ),
    );
  });
});
