import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import {
  connectBus,
  encodeKvKey,
  restackTopology,
  type Bus,
  type ConsumerSpec,
} from '@restack/bus';
import { campaignRecordSchema, limitsSchema } from '@restack/campaign';
import { silentLogger } from '@restack/core';
import { createEvent, type EventData, type RestackEvent } from '@restack/events';
import {
  PRODUCED_RETENTION_MS,
  TRIGGER_BUCKET,
  producedBucket,
  producedSchema,
  startDispatcher,
  triggerIndexSchema,
} from '@restack/svc-dispatcher';
import { startNats, waitFor } from '../harness/nats.js';

// The produced-image index: which campaign rebuilt which image digest, so that
// a chained plan the watcher sees late is covered, for a retention and no longer.

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const IMAGE = 'reg.example/built/base';
type Target = EventData<'restack.campaign.planned'>['targets'][number];

const observer = {
  durable: 'produced-test-observer',
  subjects: ['restack.pr.requested', 'restack.build.requested'],
} satisfies ConsumerSpec<'restack.pr.requested' | 'restack.build.requested'>;

interface Harness {
  bus: Bus;
  requests: RestackEvent[];
  natsUrl: string;
}

async function harness(t: TestContext): Promise<Harness> {
  const nats = await startNats();
  const bus = await connectBus({
    name: 'produced-test',
    connection: { servers: nats.url },
    logger: silentLogger(),
  });
  t.after(async () => {
    await bus.close();
    await nats.close();
  });
  await bus.ensureTopology(restackTopology({}, [{ consumers: [observer] }]));
  const requests: RestackEvent[] = [];
  await bus.consume(observer, (e) => void requests.push(e));
  return { bus, requests, natsUrl: nats.url };
}

async function dispatcher(t: TestContext, h: Harness, producedRetentionMs?: number) {
  const r = await startDispatcher({
    config: { limits: limitsSchema.parse({}) },
    tickMs: 60_000,
    nats: { servers: h.natsUrl },
    handleSignals: false,
    pullExpiresMs: 1_000,
    logger: silentLogger(),
    ...(producedRetentionMs ? { producedRetentionMs } : {}),
  });
  t.after(() => r.stop('test'));
  await r.ready;
  return r;
}

const target = (id: string, repository: string, extra: Partial<Target> = {}): Target => ({
  id,
  repository,
  dockerfile: 'Dockerfile',
  strategy: 'pr',
  ...extra,
});

/**
 * A campaign for debian:12 builds IMAGE (target base) and bumps app on it,
 * and finishes; then the graph plans the chained campaign for IMAGE's new
 * digest, as it does when the watcher sees that push (late: after the finish,
 * and after `beforeChained`). Resolves to the state of app in that campaign.
 */
async function lateChainedPlan(
  h: Harness,
  beforeChained: () => Promise<void> = async () => undefined,
): Promise<string> {
  const { bus } = h;
  const forTarget = (campaignId: string, targetId: string) =>
    h.requests.filter(
      (e) => e.campaignId === campaignId && 'targetId' in e.data && e.data.targetId === targetId,
    );
  await bus.publish(
    createEvent('restack.campaign.planned', {
      campaignId: 'parent',
      trigger: { ref: 'debian:12', previousDigest: D(1), digest: D(2) },
      waves: [['base'], ['app']],
      targets: [
        target('base', 'acme/images', { image: `${IMAGE}:1`, strategy: 'build' }),
        target('app', 'acme/app', { parents: ['base'] }),
      ],
    }),
  );
  await waitFor('the build of base', () => forTarget('parent', 'base').length === 1);
  await bus.publish(
    createEvent('restack.build.completed', {
      campaignId: 'parent',
      targetId: 'base',
      image: IMAGE,
      tags: ['1'],
      digest: D(200),
    }),
  );
  await waitFor('the PR of app', () => forTarget('parent', 'app').length === 1);
  const pr = { campaignId: 'parent', targetId: 'app', repository: 'acme/app', number: 1 };
  const url = 'https://github.com/acme/app/pull/1';
  await bus.publish(createEvent('restack.pr.opened', { ...pr, url, branch: 'restack/base' }));
  await bus.publish(createEvent('restack.pr.updated', { ...pr, url, state: 'merged' }));
  const campaigns = await bus.kv('restack-campaigns', campaignRecordSchema);
  await waitFor(
    'the parent campaign to finish',
    async () => (await campaigns.get(encodeKvKey('parent')))?.value.state === 'finished',
  );
  await beforeChained();
  await bus.publish(
    createEvent('restack.campaign.planned', {
      campaignId: 'chained',
      trigger: { ref: `${IMAGE}:1`, previousDigest: D(100), digest: D(200) },
      waves: [['app']],
      targets: [target('app', 'acme/app')],
    }),
  );
  const chained = await waitFor('the chained campaign', async () => {
    const c = (await campaigns.get(encodeKvKey('chained')))?.value;
    return c && c.targets.app?.state !== 'pending' ? c : undefined;
  });
  return chained.targets.app!.state;
}

describe('dispatcher: the produced-image index', { timeout: 120_000 }, () => {
  it('covers a chained plan seen after the campaign that built the image finished', async (t) => {
    const h = await harness(t);
    await dispatcher(t, h);
    assert.equal(await lateChainedPlan(h), 'superseded');
    // app was bumped once, by the parent; the chained campaign requested nothing.
    assert.equal(h.requests.filter((e) => e.campaignId === 'chained').length, 0);
    const jsm = await jetstreamManager(h.bus.connection);
    const info = await jsm.streams.info(`KV_${producedBucket().name}`);
    // 90 days, in nanoseconds, as `nats kv info` shows it.
    assert.equal(info.config.max_age, PRODUCED_RETENTION_MS * 1_000_000);
  });

  it('forgets a rebuilt digest after the retention: a plan seen later rebuilds', async (t) => {
    const h = await harness(t);
    await dispatcher(t, h, 1_000);
    const produced = await h.bus.kv(producedBucket().name, producedSchema);
    const key = encodeKvKey(`${IMAGE}@${D(200)}`);
    // The chained plan comes only once the index entry has expired.
    const state = await lateChainedPlan(h, async () => {
      await waitFor('the entry to be written', async () => (await produced.get(key)) !== null);
      await waitFor('the entry to expire', async () => (await produced.get(key)) === null);
    });
    assert.equal(state, 'requested');
    // The record is written before the request goes out: wait for it to arrive.
    await waitFor('the chained request', () => h.requests.some((e) => e.campaignId === 'chained'));
    assert.equal(h.requests.filter((e) => e.campaignId === 'chained').length, 1);
  });

  it('moves the entries an older release kept in the trigger bucket, so they expire too', async (t) => {
    const h = await harness(t);
    await h.bus.ensureTopology(restackTopology({}, [{ buckets: [TRIGGER_BUCKET] }]));
    const triggers = await h.bus.kv(TRIGGER_BUCKET.name, triggerIndexSchema);
    const key = encodeKvKey(`${IMAGE}@${D(200)}`);
    await triggers.put(`=produced/${key}`, { campaignId: 'old', digest: D(200) });
    await triggers.put(encodeKvKey('debian:12'), { campaignId: 'parent', digest: D(2) });
    await dispatcher(t, h);
    const produced = await h.bus.kv(producedBucket().name, producedSchema);
    assert.deepEqual((await produced.get(key))?.value, { campaignId: 'old', digest: D(200) });
    assert.deepEqual(await triggers.keys(), [encodeKvKey('debian:12')]);
  });
});
