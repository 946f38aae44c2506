import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventData } from '@restack/events';
import { advance, emptyUsage, usageOf } from './advance.js';
import { createCampaign, imageName } from './create.js';
import {
  coverChained,
  markStale,
  onFailure,
  onImageDigest,
  onPrOpened,
  onPrUpdated,
  supersede,
} from './machine.js';
import { markPublished } from './outbox.js';
import { outboxEvents } from './request.js';
import { limitsSchema, type CampaignRecord, type Limits } from './schema.js';

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const t0 = new Date('2026-01-05T10:00:00Z');
const later = (min: number) => new Date(t0.getTime() + min * 60_000);
const limits: Limits = limitsSchema.parse({});

// debian:bookworm -> base (acme/base) -> app (acme/app) and tool (acme/tool); app -> web
function plan(
  overrides: Partial<EventData<'restack.campaign.planned'>> = {},
): EventData<'restack.campaign.planned'> {
  return {
    campaignId: 'c1',
    trigger: { ref: 'debian:bookworm', previousDigest: D(1), digest: D(2) },
    waves: [['base'], ['app', 'tool'], ['web']],
    targets: [
      {
        id: 'base',
        image: 'reg.example/platform/base:1',
        repository: 'acme/base',
        dockerfile: 'Dockerfile',
        strategy: 'pr',
        parents: [],
      },
      {
        id: 'app',
        image: 'reg.example/team/app:1',
        repository: 'acme/app',
        dockerfile: 'Dockerfile',
        strategy: 'pr',
        parents: ['base'],
      },
      {
        id: 'tool',
        repository: 'acme/tool',
        dockerfile: 'tool/Dockerfile',
        strategy: 'pr',
        parents: ['base'],
      },
      {
        id: 'web',
        repository: 'acme/web',
        dockerfile: 'Dockerfile',
        strategy: 'build',
        image: 'reg.example/team/web',
        parents: ['app'],
      },
    ],
    ...overrides,
  };
}

function start(p = plan(), options: { dryRun?: boolean } = {}): CampaignRecord {
  return createCampaign(p, { now: t0, dryRun: options.dryRun ?? false, actions: [] });
}

function step(c: CampaignRecord, now = t0, l = limits, usage = emptyUsage()): CampaignRecord {
  return advance(c, { now, limits: l, usage }) ?? c;
}

const states = (c: CampaignRecord) =>
  Object.fromEntries(Object.values(c.targets).map((t) => [t.id, t.state]));

describe('campaign state machine', () => {
  it('requests wave 0 only, then each target once its ancestors are done, on their new digests', () => {
    let c = step(start());
    assert.deepEqual(states(c), {
      base: 'requested',
      app: 'pending',
      tool: 'pending',
      web: 'pending',
    });
    assert.equal(c.targets.app!.reason, 'waiting for base');
    const events = outboxEvents(c);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type, 'restack.pr.requested');
    c = markPublished(c, t0)!;
    assert.equal(outboxEvents(c).length, 0);
    // The watcher may see the new image before the merge is known: it counts once merged.
    c = onImageDigest(
      c,
      (t) => t.id === 'base',
      { ref: 'reg.example/platform/base:1', digest: D(9) },
      later(1),
    )!;
    assert.equal(c.targets.base!.state, 'requested');
    assert.equal(c.targets.base!.reason, 'image seen at a new digest; waiting for the merge');
    c = onPrUpdated(
      c,
      'base',
      { number: 1, url: 'https://gh/acme/base/pull/1', state: 'merged' },
      later(1),
    )!;
    assert.equal(c.targets.base!.state, 'done');
    c = step(c, later(1));
    assert.deepEqual(states(c), {
      base: 'done',
      app: 'requested',
      tool: 'requested',
      web: 'pending',
    });
    const viaMergeFirst = onImageDigest(
      onPrUpdated(
        step(start()),
        'base',
        { number: 1, url: 'https://gh/acme/base/pull/1', state: 'merged' },
        t0,
      )!,
      (t) => t.id === 'base',
      { ref: 'reg.example/platform/base:1', digest: D(9) },
      later(1),
    )!;
    assert.equal(viaMergeFirst.targets.base!.state, 'done');
    const pr = outboxEvents(c).find(
      (e) => e.type === 'restack.pr.requested' && e.data.repository === 'acme/app',
    );
    assert.ok(pr && pr.type === 'restack.pr.requested');
    assert.deepEqual(pr.data.bumps?.[0], {
      ref: 'reg.example/platform/base:1',
      fromDigest: null,
      digest: D(9),
    });
  });

  it('gives the same event id to the same request, a new one to a new attempt', () => {
    const c = step(start());
    assert.equal(outboxEvents(c)[0]!.id, outboxEvents(structuredClone(c))[0]!.id);
    const retried = onFailure(c, 'base', { message: 'GitHub down', retryable: true }, 3, later(1))!;
    assert.equal(retried.targets.base!.attempt, 2);
    assert.notEqual(outboxEvents(retried)[0]!.id, outboxEvents(c)[0]!.id);
  });

  it('a failed ancestor blocks every descendant, saying why', () => {
    let c = step(start());
    c = onFailure(c, 'base', { message: 'Dockerfile missing', retryable: false }, 3, later(1))!;
    assert.deepEqual(states(c), {
      base: 'failed',
      app: 'blocked',
      tool: 'blocked',
      web: 'blocked',
    });
    assert.match(c.targets.app!.reason!, /ancestor base failed: Dockerfile missing/);
    assert.match(c.targets.web!.reason!, /ancestor app is blocked/);
    assert.equal(c.state, 'finished');
  });

  it('a merged PR finishes a target without an image; one with an image waits for its digest', () => {
    let c = step(start());
    c = onPrUpdated(
      c,
      'base',
      { number: 1, url: 'https://gh/acme/base/pull/1', state: 'merged' },
      t0,
    )!;
    c = onImageDigest(
      c,
      (t) => t.id === 'base',
      { ref: 'reg.example/platform/base:1', digest: D(9) },
      t0,
    )!;
    c = step(c);
    c = onPrOpened(
      c,
      'tool',
      { number: 4, url: 'https://gh/acme/tool/pull/4', branch: 'restack/x' },
      t0,
    )!;
    assert.equal(c.targets.tool!.effect.prNumber, 4);
    assert.equal(
      onPrOpened(
        c,
        'tool',
        { number: 4, url: 'https://gh/acme/tool/pull/4', branch: 'restack/x' },
        t0,
      ),
      undefined,
    );
    c = onPrUpdated(
      c,
      'tool',
      { number: 4, url: 'https://gh/acme/tool/pull/4', state: 'merged' },
      t0,
    )!;
    assert.equal(c.targets.tool!.state, 'done');
    c = onPrUpdated(
      c,
      'app',
      { number: 5, url: 'https://gh/acme/app/pull/5', state: 'merged' },
      t0,
    )!;
    assert.equal(c.targets.app!.state, 'requested');
    assert.equal(c.targets.app!.effect.merged, true);
  });

  it('redelivered events change nothing', () => {
    const c = step(start());
    assert.equal(advance(c, { now: t0, limits, usage: emptyUsage() }), undefined);
    const failed = onFailure(c, 'base', { message: 'x', retryable: false }, 3, t0)!;
    assert.equal(onFailure(failed, 'base', { message: 'x', retryable: false }, 3, t0), undefined);
  });

  it('a newer digest supersedes what has not started and PRs (the new campaign re-targets them)', () => {
    let c = step(start());
    c = supersede(c, 'c2', later(5))!;
    assert.equal(c.state, 'superseded');
    assert.deepEqual(states(c), {
      base: 'superseded',
      app: 'superseded',
      tool: 'superseded',
      web: 'superseded',
    });
    assert.equal(supersede(c, 'c3', later(6)), undefined);
  });

  it('limits make targets wait with the reason, counting PRs already open elsewhere', () => {
    const two = plan({
      waves: [['a', 'b', 'c']],
      targets: ['a', 'b', 'c'].map((id) => ({
        id,
        repository: id === 'c' ? 'acme/other' : 'acme/mono',
        dockerfile: `${id}/Dockerfile`,
        strategy: 'pr' as const,
        parents: [],
      })),
    });
    const tight = limitsSchema.parse({ openPullRequestsPerRepository: 1, openPullRequests: 1 });
    const c = step(start(two), t0, tight);
    // a and b share the repository and the bumped reference: one PR, so both go.
    assert.deepEqual(states(c), { a: 'requested', b: 'requested', c: 'pending' });
    assert.equal(c.targets.c!.reason, 'limit: 1 open pull requests');
    const other = step(start({ ...two, campaignId: 'c9' }), t0, tight, usageOf([c]));
    assert.equal(other.targets.c!.reason, 'limit: 1 open pull requests');
    const builds = plan({
      waves: [['x', 'y']],
      targets: ['x', 'y'].map((id) => ({
        id,
        repository: 'acme/b',
        dockerfile: `${id}/Dockerfile`,
        strategy: 'build' as const,
        parents: [],
      })),
    });
    const b = step(start(builds), t0, limitsSchema.parse({ concurrentBuilds: 1 }));
    assert.deepEqual(states(b), { x: 'requested', y: 'pending' });
    assert.equal(b.targets.y!.reason, 'limit: 1 concurrent builds');
  });

  it('waits outside the cron windows and starts inside one', () => {
    const nightly = limitsSchema.parse({
      schedules: [{ cron: '0 22 * * *', durationMinutes: 120 }],
    });
    const c = step(start(), new Date('2026-01-05T12:00:00Z'), nightly);
    assert.equal(c.targets.base!.state, 'pending');
    assert.equal(c.targets.base!.reason, 'outside the schedule windows');
    const night = step(c, new Date('2026-01-05T23:30:00Z'), nightly);
    assert.equal(night.targets.base!.state, 'requested');
  });

  it('a requested target past the deadline goes stale and blocks its descendants', () => {
    const c = step(start());
    assert.equal(markStale(c, 60 * 60_000, later(59)), undefined);
    const s = markStale(c, 60 * 60_000, later(61))!;
    assert.equal(s.targets.base!.state, 'stale');
    assert.equal(s.targets.app!.state, 'blocked');
  });

  it('dry run records what would happen and requests nothing', () => {
    const c = step(start(plan(), { dryRun: true }));
    assert.deepEqual(states(c), {
      base: 'pending',
      app: 'pending',
      tool: 'pending',
      web: 'pending',
    });
    assert.equal(c.targets.base!.reason, 'dry run: would open a pull request in acme/base');
    assert.equal(c.targets.web!.reason, 'dry run: would build reg.example/team/web');
    assert.equal(outboxEvents(c).length, 0);
  });

  it('report targets finish at once; config actions override the plan strategy', () => {
    const c = step(
      createCampaign(plan(), {
        now: t0,
        dryRun: false,
        actions: [{ image: 'reg.example/platform/*', action: 'report', pin: false, inputs: {} }],
      }),
    );
    assert.equal(c.targets.base!.action, 'report');
    assert.equal(c.targets.base!.state, 'done');
    assert.equal(c.targets.app!.state, 'requested');
  });

  it('a campaign chained from an image another campaign rebuilds is covered, not rebuilt twice', () => {
    const outer = step(start());
    const chained = start(
      plan({
        campaignId: 'chain',
        trigger: { ref: 'reg.example/platform/base:1', previousDigest: D(5), digest: D(9) },
        waves: [['app', 'tool', 'extra']],
        targets: [
          {
            id: 'app',
            repository: 'acme/app',
            dockerfile: 'Dockerfile',
            strategy: 'pr',
            parents: [],
          },
          {
            id: 'tool',
            repository: 'acme/tool',
            dockerfile: 'tool/Dockerfile',
            strategy: 'pr',
            parents: [],
          },
          {
            id: 'extra',
            repository: 'acme/extra',
            dockerfile: 'Dockerfile',
            strategy: 'pr',
            parents: [],
          },
        ],
      }),
    );
    const covered = coverChained(chained, [outer], imageName, t0)!;
    assert.equal(covered.targets.app!.state, 'superseded');
    assert.match(covered.targets.app!.reason!, /rebuilt by campaign c1/);
    assert.equal(
      covered.targets.extra!.state,
      'pending',
      'a Dockerfile the outer campaign lacks still goes',
    );
    assert.equal(
      coverChained(chained, [{ ...outer, state: 'finished' }], imageName, t0),
      undefined,
    );
  });

  it('a chained plan that arrives after the covering wave is done is still covered', () => {
    const outer = step(start());
    const trigger = { ref: 'reg.example/platform/base:1', previousDigest: D(5), digest: D(9) };
    const target = { repository: 'acme/app', dockerfile: 'Dockerfile', strategy: 'pr' as const };
    const chained = start(
      plan({
        campaignId: 'late',
        trigger,
        waves: [['app']],
        targets: [{ id: 'app', ...target, parents: [] }],
      }),
    );
    // The outer campaign rebuilt base as D(9) and has since finished its app target.
    const done = structuredClone(outer);
    done.targets.base!.effect.digest = D(9);
    done.targets.app!.state = 'done';
    assert.equal(coverChained(chained, [done], imageName, t0)?.targets.app!.state, 'superseded');
    // Finished by now: it still covers the plan for the digest it produced.
    assert.equal(
      coverChained(chained, [{ ...done, state: 'finished' }], imageName, t0)?.targets.app!.state,
      'superseded',
    );
    // An age rebuild of that very digest is not a move: it goes.
    assert.equal(coverChained({ ...chained, reason: 'stale' }, [done], imageName, t0), undefined);
    // A base digest the outer campaign did not produce is a new change: app goes again.
    done.targets.base!.effect.digest = D(8);
    assert.equal(coverChained(chained, [done], imageName, t0), undefined);
  });
});
