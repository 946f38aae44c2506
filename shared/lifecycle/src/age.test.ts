import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTime, plausibleCreated } from './age.js';

const now = new Date('2025-06-01T12:00:00Z');

describe('build time', () => {
  it('uses created when it is plausible', () => {
    const b = buildTime({ created: '2025-05-01T12:00:00Z', firstSeen: null, pushed: null }, now);
    assert.deepEqual([b.clock, b.builtAt, b.ageDays], ['created', '2025-05-01T12:00:00.000Z', 31]);
  });

  it('falls back to first-seen for the reproducible-build stamps 1970 and 1980-01-01', () => {
    for (const created of [
      '1970-01-01T00:00:00Z',
      '1980-01-01T00:00:00Z',
      '1980-01-01T23:59:59Z',
    ]) {
      const b = buildTime(
        { created, firstSeen: new Date('2025-05-31T12:00:00Z'), pushed: null },
        now,
      );
      assert.equal(b.clock, 'first-seen', created);
      assert.equal(b.ageDays, 1);
      assert.match(b.notes[0]!, /before 1980-01-02/);
    }
    assert.ok(plausibleCreated('1980-01-02T00:00:00Z', now).at);
  });

  it('treats a created time in the future as unknown, and says so', () => {
    const b = buildTime({ created: '2030-01-01T00:00:00Z', firstSeen: null, pushed: null }, now);
    assert.equal(b.clock, 'unknown');
    assert.match(b.notes.join(' '), /in the future/);
  });

  it('uses the push time when there is no first-seen, and says when the registry has none', () => {
    const pushed = buildTime(
      { created: null, firstSeen: null, pushed: new Date('2025-05-22T12:00:00Z') },
      now,
    );
    assert.deepEqual([pushed.clock, pushed.ageDays], ['pushed', 10]);
    const none = buildTime(
      {
        created: '1970-01-01T00:00:00Z',
        firstSeen: null,
        firstSeenNote: 'first-seen is not available in a one-shot run',
        pushed: null,
        pushedNote: 'plain distribution reports no push time',
      },
      now,
    );
    assert.equal(none.clock, 'unknown');
    assert.equal(none.ageDays, null);
    assert.deepEqual(none.notes.slice(1), [
      'first-seen is not available in a one-shot run',
      'plain distribution reports no push time',
    ]);
  });

  it('ignores an unparseable created time', () => {
    assert.equal(plausibleCreated('yesterday', now).at, null);
  });
});
