import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type Observation } from './decide.js';
import type { RefState } from './schema.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;
const ref = 'docker.io/library/debian:12';
const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const found = (digest: string): Observation => ({
  status: 'found',
  digest,
  mediaType: null,
  platforms: null,
});

function run(state: RefState | null, obs: Observation, s: number, settleMs = 0) {
  return decide({ ref, state, observation: obs, detectedBy: 'poll', now: t(s), settleMs });
}

describe('decide', () => {
  it('records the first sight without an event, then announces a move once', () => {
    const first = run(null, found(A), 0);
    assert.equal(first.facts.length, 0);
    assert.equal(first.next.digest, A);
    assert.equal(run(first.next, found(A), 1).facts.length, 0);
    const moved = run(first.next, found(B), 2);
    assert.deepEqual(
      moved.facts.map((f) => f.type),
      ['restack.digest.changed'],
    );
    assert.equal(run(moved.next, found(B), 3).facts.length, 0);
  });

  it('never reads a failure as a change and keeps the known digest', () => {
    const known = run(null, found(A), 0).next;
    const failed = run(
      known,
      { status: 'failed', kind: 'server-error', reason: 'registry x failed (500)' },
      1,
    );
    assert.equal(failed.facts.length, 0);
    assert.equal(failed.next.digest, A);
    assert.equal(failed.next.lastError?.reason, 'registry x failed (500)');
  });

  it('reports a missing tag once, and a return with a new digest as a change', () => {
    const known = run(null, found(A), 0).next;
    const gone = run(known, { status: 'missing', reason: 'gone' }, 1);
    assert.deepEqual(
      gone.facts.map((f) => f.type),
      ['restack.tag.missing'],
    );
    assert.equal(run(gone.next, { status: 'missing', reason: 'gone' }, 2).facts.length, 0);
    assert.equal(run(gone.next, found(B), 3).facts[0]?.type, 'restack.digest.changed');
  });

  it('inside the settle window only the last digest is published, with its first-seen time', () => {
    const known = run(null, found(A), 0).next;
    const b = run(known, found(B), 10, 30_000);
    assert.equal(b.facts.length, 0);
    const c = run(b.next, found(C), 20, 30_000);
    assert.equal(c.facts.length, 0);
    assert.equal(run(c.next, found(C), 49, 30_000).facts.length, 0);
    const done = run(c.next, found(C), 50, 30_000);
    assert.equal(done.facts.length, 1);
    const fact = done.facts[0]!;
    assert.ok(fact.type === 'restack.digest.changed');
    assert.equal(fact.data.previousDigest, A);
    assert.equal(fact.data.digest, C);
    assert.equal(fact.data.firstSeenAt, t(20).toISOString());
  });

  it('drops a pending change when the tag moves back', () => {
    const known = run(null, found(A), 0).next;
    const b = run(known, found(B), 10, 30_000);
    const back = run(b.next, found(A), 20, 30_000);
    assert.equal(back.next.pending, null);
    assert.equal(run(back.next, found(A), 100, 30_000).facts.length, 0);
  });
});
