import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { branchName, branchSlug } from './branch.js';
import { inSchedule, parseCron } from './cron.js';

describe('cron windows', () => {
  it('matches minutes, ranges, steps and weekdays in UTC', () => {
    const weekdays = parseCron('*/15 9-17 * * 1-5');
    assert.equal(weekdays.matches(new Date('2026-01-05T09:30:00Z')), true); // Monday
    assert.equal(weekdays.matches(new Date('2026-01-05T09:31:00Z')), false);
    assert.equal(weekdays.matches(new Date('2026-01-04T09:30:00Z')), false); // Sunday
    assert.throws(() => parseCron('* * *'), /five fields/);
    assert.throws(() => parseCron('61 * * * *'), /invalid cron field/);
  });

  it('a window is open for its duration after each tick, across midnight', () => {
    const s = [{ cron: '0 23 * * *', durationMinutes: 120 }];
    assert.equal(inSchedule(s, new Date('2026-01-05T23:00:00Z')), true);
    assert.equal(inSchedule(s, new Date('2026-01-06T00:59:00Z')), true);
    assert.equal(inSchedule(s, new Date('2026-01-06T01:00:00Z')), false);
    assert.equal(inSchedule([], new Date()), true);
  });
});

describe('branch names', () => {
  it('uses the familiar reference and stays a valid git ref', () => {
    assert.equal(
      branchName('restack/', 'docker.io/library/debian:bookworm@sha256:' + 'a'.repeat(64)),
      'restack/debian-bookworm',
    );
    assert.equal(
      branchSlug('registry.example.com:5000/platform/base:1'),
      'registry.example.com-5000/platform/base-1',
    );
    assert.equal(branchSlug('x/..evil/.a.lock:tag'), 'x/evil/a.lock-tag');
    assert.equal(branchSlug('x/a.lock'), 'x/a');
    assert.doesNotMatch(branchSlug('we ird~^:?*[\\name'), /[ ~^:?*[\\]|\.\.|@\{/);
  });
});
