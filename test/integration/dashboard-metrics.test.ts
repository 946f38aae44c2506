import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectBus, encodeKvKey, type Bus, type TypedKv } from '@restack/bus';
import {
  actionsSchema,
  campaignRecordSchema,
  limitsSchema,
  type CampaignRecord,
} from '@restack/campaign';
import { silentLogger } from '@restack/core';
import { createEvent } from '@restack/events';
import type { Runtime } from '@restack/service';
import { CAMPAIGN_BUCKET, startDispatcher } from '@restack/svc-dispatcher';
import { Registry, type Histogram } from 'prom-client';
import { startNats, waitFor, type TestNats } from '../harness/nats.js';

// The dashboard's campaign panels: the dispatcher observes a campaign's
// duration when it reaches a final state, and each rebuilt target's lag from
// the trigger's first sighting. The dispatcher's clock is fixed, so the
// observed values are exact.

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const FIRST_SEEN = '2026-03-01T09:59:00.000Z';
const PLANNED = new Date('2026-03-01T10:00:00.000Z');

interface Observed {
  count: number;
  sum: number;
}

async function observed(registry: Registry, name: string, label: Record<string, string>) {
  const metric = registry.getSingleMetric(name) as Histogram | undefined;
  assert.ok(metric, `${name} is registered`);
  const { values } = await metric.get();
  const matches = (v: { labels: Partial<Record<string, string | number>> }) =>
    Object.entries(label).every(([k, x]) => v.labels[k] === x);
  const pick = (suffix: string) =>
    values.find((v) => v.metricName === `${name}${suffix}` && matches(v))?.value ?? 0;
  return { count: pick('_count'), sum: pick('_sum') } satisfies Observed;
}

describe('dispatcher metrics for the Grafana dashboard', { timeout: 60_000 }, () => {
  let nats: TestNats;
  let bus: Bus;
  let dispatcher: Runtime;
  let campaigns: TypedKv<CampaignRecord>;
  const registry = new Registry();
  let now = PLANNED;

  before(async () => {
    nats = await startNats();
    dispatcher = await startDispatcher({
      config: {
        limits: limitsSchema.parse({}),
        actions: actionsSchema.parse([{ image: 'reg.example/*', action: 'build' }]),
      },
      clock: () => now,
      metrics: registry,
      nats: { servers: nats.url },
      handleSignals: false,
      pullExpiresMs: 1_000,
      logger: silentLogger(),
    });
    await dispatcher.ready;
    bus = await connectBus({
      name: 'metrics-test',
      connection: { servers: nats.url },
      logger: silentLogger(),
    });
    campaigns = await bus.kv(CAMPAIGN_BUCKET.name, campaignRecordSchema);
  });

  after(async () => {
    await dispatcher?.stop('test');
    await bus?.close();
    await nats?.close();
  });

  async function plan(campaignId: string, digest: string): Promise<void> {
    now = PLANNED;
    await bus.publish(
      createEvent('restack.campaign.planned', {
        campaignId,
        trigger: { ref: 'debian:bookworm', previousDigest: D(1), digest, firstSeenAt: FIRST_SEEN },
        waves: [['one']],
        targets: [
          {
            id: 'one',
            repository: 'acme/one',
            dockerfile: 'Dockerfile',
            strategy: 'build',
            parents: [],
            image: 'reg.example/one:1',
          },
        ],
      }),
    );
    await waitFor('the build requested', async () => {
      const r = (await campaigns.get(encodeKvKey(campaignId)))?.value;
      return r?.targets.one?.state === 'requested' ? r : undefined;
    });
  }

  async function finished(campaignId: string): Promise<CampaignRecord> {
    return waitFor('the campaign finished', async () => {
      const r = (await campaigns.get(encodeKvKey(campaignId)))?.value;
      return r && r.state !== 'active' ? r : undefined;
    });
  }

  it('observes a succeeded campaign and its rebuild lag once', async () => {
    await plan('metrics-ok', D(2));
    now = new Date(PLANNED.getTime() + 120_000);
    const done = () =>
      createEvent('restack.build.completed', {
        campaignId: 'metrics-ok',
        targetId: 'one',
        image: 'reg.example/one',
        tags: ['1'],
        digest: D(3),
      });
    await bus.publish(done());
    assert.equal((await finished('metrics-ok')).targets.one?.state, 'done');
    // A repeated completion changes nothing and is not observed again. The
    // dispatcher handles its events one at a time in order, so once a later
    // plan is recorded the repeat has been handled.
    await bus.publish(done());
    await plan('metrics-sync', D(9));

    assert.deepEqual(
      await observed(registry, 'restack_campaign_duration_seconds', { outcome: 'succeeded' }),
      { count: 1, sum: 120 },
    );
    assert.deepEqual(await observed(registry, 'restack_rebuild_lag_seconds', { action: 'build' }), {
      count: 1,
      sum: 180,
    });
  });

  it('observes a failed campaign with outcome failed', async () => {
    await plan('metrics-failed', D(4));
    now = new Date(PLANNED.getTime() + 30_000);
    await bus.publish(
      createEvent('restack.build.failed', {
        campaignId: 'metrics-failed',
        targetId: 'one',
        image: 'reg.example/one',
        failure: { message: 'the Dockerfile does not build', retryable: false },
      }),
    );
    assert.equal((await finished('metrics-failed')).targets.one?.state, 'failed');
    // The dispatcher observes after its write returns; a reader of KV can see the write first.
    const failed = await waitFor('the failed campaign observed', async () => {
      const o = await observed(registry, 'restack_campaign_duration_seconds', {
        outcome: 'failed',
      });
      return o.count > 0 ? o : undefined;
    });
    assert.deepEqual(failed, { count: 1, sum: 30 });
    // The failed target was not rebuilt: no lag observed for it.
    assert.equal((await observed(registry, 'restack_rebuild_lag_seconds', {})).count, 1);
  });
});
