import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  connectBus,
  encodeKvKey,
  restackTopology,
  type Bus,
  type ConsumerSpec,
  type TypedKv,
} from '@restack/bus';
import {
  actionsSchema,
  campaignRecordSchema,
  limitsSchema,
  type CampaignRecord,
} from '@restack/campaign';
import { createLogger, silentLogger, type Logger } from '@restack/core';
import { createEvent, type EventData, type RestackEvent } from '@restack/events';
import type { Runtime } from '@restack/service';
import { startDispatcher, type ImagePlanner } from '@restack/svc-dispatcher';
import { startNats, waitFor, type TestNats } from '../harness/nats.js';

// The dispatcher on its own: the test plays the graph service (campaign.planned),
// the workers (pr.*, build.*) and watches what the dispatcher requests.

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const logger = (): Logger =>
  process.env.RESTACK_TEST_LOG
    ? createLogger({ level: process.env.RESTACK_TEST_LOG })
    : silentLogger();

type Target = EventData<'restack.campaign.planned'>['targets'][number];
const target = (
  id: string,
  repository: string,
  parents: string[],
  extra: Partial<Target> = {},
): Target => ({
  id,
  repository,
  dockerfile: 'Dockerfile',
  strategy: 'pr',
  parents,
  ...extra,
});

const observer = {
  durable: 'dispatcher-test-observer',
  subjects: ['restack.pr.requested', 'restack.build.requested', 'restack.dispatch.requested'],
} satisfies ConsumerSpec<
  'restack.pr.requested' | 'restack.build.requested' | 'restack.dispatch.requested'
>;

describe(
  'dispatcher: wave gating, failures, limits, windows, actions, deadlines',
  { timeout: 120_000 },
  () => {
    let nats: TestNats;
    let bus: Bus;
    let dispatcher: Runtime;
    let campaigns: TypedKv<CampaignRecord>;
    let now = new Date('2026-01-05T22:30:00Z'); // inside the nightly window
    const requests: RestackEvent[] = [];

    const planner: ImagePlanner = async (image) =>
      image === 'reg.example/built/py:3.12'
        ? {
            waves: [['built']],
            targets: [target('built', 'acme/py', [], { image: 'reg.example/built/py:3.12' })],
          }
        : undefined;

    const record = async (id: string) => (await campaigns.get(encodeKvKey(id)))?.value;
    const state = async (id: string, t: string) => (await record(id))?.targets[t];
    const requested = (pred: (e: RestackEvent) => boolean) => requests.filter(pred);
    const forTarget = (campaignId: string, targetId: string) =>
      requested(
        (e) => e.campaignId === campaignId && 'targetId' in e.data && e.data.targetId === targetId,
      );

    async function plan(campaignId: string, ref: string, waves: string[][], targets: Target[]) {
      await bus.publish(
        createEvent('restack.campaign.planned', {
          campaignId,
          trigger: { ref, previousDigest: D(1), digest: D(2) },
          waves,
          targets,
        }),
      );
    }

    before(async () => {
      nats = await startNats();
      dispatcher = await startDispatcher({
        config: {
          limits: limitsSchema.parse({
            openPullRequestsPerRepository: 1,
            schedules: [{ cron: '0 22 * * *', durationMinutes: 120 }],
          }),
          actions: actionsSchema.parse([
            { image: 'reg.example/built/*', action: 'build' },
            { image: 'reg.example/reported/*', action: 'report' },
            {
              dockerfile: 'ci/*',
              action: 'dispatch',
              workflow: 'rebuild.yml',
              inputs: { digest: '{digest}' },
            },
          ]),
          pullRequests: { staleAfterHours: 48 },
        },
        clock: () => now,
        planner,
        tickMs: 150,
        nats: { servers: nats.url },
        handleSignals: false,
        pullExpiresMs: 1_000,
        logger: logger(),
      });
      await dispatcher.ready;
      bus = await connectBus({
        name: 'dispatcher-test',
        connection: { servers: nats.url },
        logger: silentLogger(),
      });
      await bus.ensureTopology(restackTopology({}, [{ consumers: [observer] }]));
      await bus.consume(observer, (e) => {
        requests.push(e);
      });
      campaigns = await bus.kv('restack-campaigns', campaignRecordSchema);
    });

    after(async () => {
      await dispatcher?.stop('test');
      await bus?.close();
      await nats?.close();
    });

    it('a failed ancestor blocks its descendants, with the reason, and they are never requested', async () => {
      await plan(
        'fail',
        'alpine:3.20',
        [['a'], ['b'], ['c']],
        [target('a', 'acme/a1', []), target('b', 'acme/a2', ['a']), target('c', 'acme/a3', ['b'])],
      );
      await waitFor('a requested', () => forTarget('fail', 'a').length === 1);
      await bus.publish(
        createEvent('restack.pr.failed', {
          campaignId: 'fail',
          targetId: 'a',
          repository: 'acme/a1',
          failure: { message: 'branch protection refused the push', retryable: false },
        }),
      );
      const c = await waitFor('finished', async () =>
        (await record('fail'))?.state === 'finished' ? record('fail') : false,
      );
      assert.equal(c.targets.a!.state, 'failed');
      assert.equal(c.targets.b!.state, 'blocked');
      assert.equal(c.targets.b!.reason, 'ancestor a failed: branch protection refused the push');
      assert.equal(c.targets.c!.state, 'blocked');
      assert.match(c.targets.c!.reason!, /ancestor b is blocked/);
      assert.equal(forTarget('fail', 'b').length + forTarget('fail', 'c').length, 0);
    });

    it('a retryable failure is requested again under a new event id', async () => {
      await plan('retry', 'busybox:1', [['r']], [target('r', 'acme/r', [])]);
      await waitFor('r requested', () => forTarget('retry', 'r').length === 1);
      const failure = { message: 'GitHub 502', retryable: true };
      const failed = createEvent('restack.pr.failed', {
        campaignId: 'retry',
        targetId: 'r',
        repository: 'acme/r',
        failure,
      });
      await bus.publish(failed);
      await waitFor('r requested again', () => forTarget('retry', 'r').length === 2);
      const [first, second] = forTarget('retry', 'r');
      assert.notEqual(first!.id, second!.id);
      assert.equal((await state('retry', 'r'))!.attempt, 2);
    });

    it('the per-repository PR limit makes a target wait until the open PR is done', async () => {
      await plan('lim1', 'ubuntu:24.04', [['x']], [target('x', 'acme/mono', [])]);
      await waitFor('x requested', () => forTarget('lim1', 'x').length === 1);
      await plan(
        'lim2',
        'golang:1.22',
        [['y']],
        [target('y', 'acme/mono', [], { dockerfile: 'y/Dockerfile' })],
      );
      await waitFor(
        'y waits',
        async () =>
          (await state('lim2', 'y'))?.reason === 'limit: 1 open pull requests in acme/mono',
      );
      assert.equal(forTarget('lim2', 'y').length, 0);
      await bus.publish(
        createEvent('restack.pr.updated', {
          campaignId: 'lim1',
          targetId: 'x',
          repository: 'acme/mono',
          number: 1,
          url: 'https://github.example/acme/mono/pull/1',
          state: 'merged',
        }),
      );
      await waitFor('y requested once x merged', () => forTarget('lim2', 'y').length === 1);
      assert.equal((await state('lim1', 'x'))!.state, 'done');
    });

    it('plans arriving at once, handled concurrently, still open no more PRs than the limit', async () => {
      // Ten triggers, ten branches, one repository whose limit is 1 open PR: the handlers run in
      // parallel and write in parallel, so each decision must count the others still being written.
      const ids = Array.from({ length: 10 }, (_, i) => `burst${i}`);
      await Promise.all(
        ids.map((id, i) =>
          plan(id, `reg.example/burst/b${i}:1`, [['t']], [target('t', 'acme/burst', [])]),
        ),
      );
      await waitFor('every burst campaign recorded', async () =>
        (await Promise.all(ids.map((id) => state(id, 't')))).every((t) => t !== undefined),
      );
      const targets = await Promise.all(ids.map((id) => state(id, 't')));
      const going = targets.filter((t) => t!.state === 'requested');
      const waiting = targets.filter(
        (t) => t!.state === 'pending' && t!.reason === 'limit: 1 open pull requests in acme/burst',
      );
      assert.equal(going.length, 1, 'exactly one PR requested');
      assert.equal(waiting.length, 9, 'the other nine wait on the limit');
      await waitFor('its request published', () =>
        ids.some((id) => forTarget(id, 't').length === 1),
      );
      assert.equal(ids.flatMap((id) => forTarget(id, 't')).length, 1);
    });

    it('outside the cron windows targets wait; inside one they start', async () => {
      now = new Date('2026-01-06T12:00:00Z');
      await plan('win', 'node:22', [['w']], [target('w', 'acme/w', [])]);
      await waitFor(
        'w waits',
        async () => (await state('win', 'w'))?.reason === 'outside the schedule windows',
      );
      assert.equal(forTarget('win', 'w').length, 0);
      now = new Date('2026-01-06T22:05:00Z');
      await waitFor('w requested in the window', () => forTarget('win', 'w').length === 1);
    });

    it('build, report and dispatch actions; a build result carries its digest to the children', async () => {
      await plan(
        'act',
        'python:3.12',
        [
          ['built', 'rep'],
          ['app', 'ci'],
        ],
        [
          target('built', 'acme/py', [], { image: 'reg.example/built/py:3.12' }),
          target('rep', 'acme/rep', [], { image: 'reg.example/reported/r:1' }),
          target('app', 'acme/app-b', ['built']),
          target('ci', 'acme/ci', ['rep'], { dockerfile: 'ci/Dockerfile' }),
        ],
      );
      const [build] = await waitFor('build requested', () => {
        const b = forTarget('act', 'built');
        return b.length === 1 ? b : false;
      });
      assert.equal(build!.type, 'restack.build.requested');
      assert.equal(build?.type === 'restack.build.requested' && build.data.baseDigest, D(2));
      const [dispatch] = await waitFor('dispatch requested', () => {
        const d = forTarget('act', 'ci');
        return d.length === 1 ? d : false;
      });
      assert.deepEqual(dispatch!.type === 'restack.dispatch.requested' && dispatch.data.inputs, {
        digest: D(2),
      });
      await waitFor(
        'ci done once dispatched',
        async () => (await state('act', 'ci'))?.state === 'done',
      );
      assert.equal((await state('act', 'rep'))!.reason, 'report only: no action taken');
      await bus.publish(
        createEvent('restack.build.completed', {
          campaignId: 'act',
          targetId: 'built',
          image: 'reg.example/built/py',
          tags: ['3.12'],
          digest: D(42),
        }),
      );
      const [pr] = await waitFor('app requested on the built digest', () => {
        const p = forTarget('act', 'app');
        return p.length === 1 ? p : false;
      });
      assert.deepEqual(pr!.type === 'restack.pr.requested' && pr.data.bumps?.[0], {
        ref: 'reg.example/built/py:3.12',
        fromDigest: null,
        digest: D(42),
      });
    });

    it('a build is requested with a pin for the trigger and for every rebuilt parent', async () => {
      await plan(
        'pins',
        'debian:12',
        [['one', 'two'], ['kid']],
        [
          target('one', 'acme/one', [], { image: 'reg.example/built/one:1' }),
          target('two', 'acme/two', [], { image: 'reg.example/built/two:2' }),
          target('kid', 'acme/kid', ['one', 'two'], { image: 'reg.example/built/kid:1' }),
        ],
      );
      const [one] = await waitFor('one requested', () => {
        const b = forTarget('pins', 'one');
        return b.length === 1 ? b : false;
      });
      assert.deepEqual(one!.type === 'restack.build.requested' && one.data.pins, [
        { ref: 'debian:12', digest: D(2) },
      ]);
      for (const [id, n] of [
        ['one', 1],
        ['two', 2],
      ] as const) {
        await bus.publish(
          createEvent('restack.build.completed', {
            campaignId: 'pins',
            targetId: id,
            image: `reg.example/built/${id}`,
            tags: [String(n)],
            digest: D(60 + n),
          }),
        );
      }
      const [kid] = await waitFor('kid requested once both parents are built', () => {
        const b = forTarget('pins', 'kid');
        return b.length === 1 ? b : false;
      });
      assert.equal(kid!.type, 'restack.build.requested');
      assert.deepEqual(kid?.type === 'restack.build.requested' && kid.data.pins, [
        { ref: 'reg.example/built/one:1', digest: D(61) },
        { ref: 'reg.example/built/two:2', digest: D(62) },
        { ref: 'debian:12', digest: D(2) },
      ]);
    });

    it('an image past its age starts a campaign for that image', async () => {
      await bus.publish(
        createEvent('restack.image.stale', {
          image: 'reg.example/built/py:3.12',
          digest: D(42),
          builtAt: '2025-01-01T00:00:00Z',
          ageDays: 400,
          maxAgeDays: 90,
        }),
      );
      const id = `stale:reg.example/built/py:3.12@${D(42)}`;
      await waitFor('stale rebuild requested', () => forTarget(id, 'built').length === 1);
      assert.equal((await record(id))!.reason, 'stale');
    });

    it('a requested target past the deadline goes stale and blocks its descendants', async () => {
      await plan(
        'late',
        'rockylinux:9',
        [['p'], ['q']],
        [target('p', 'acme/p', []), target('q', 'acme/q', ['p'])],
      );
      await waitFor('p requested', () => forTarget('late', 'p').length === 1);
      now = new Date(now.getTime() + 49 * 3_600_000);
      const c = await waitFor('stale', async () =>
        (await record('late'))?.state === 'finished' ? record('late') : false,
      );
      assert.equal(c.targets.p!.state, 'stale');
      assert.match(c.targets.p!.reason!, /not done within 48 h/);
      assert.equal(c.targets.q!.state, 'blocked');
    });
  },
);
