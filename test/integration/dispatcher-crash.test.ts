import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectBus, encodeKvKey, restackTopology, type Bus } from '@restack/bus';
import {
  advance,
  campaignRecordSchema,
  createCampaign,
  emptyUsage,
  limitsSchema,
  outboxEvents,
} from '@restack/campaign';
import { silentLogger } from '@restack/core';
import { createEvent, type EventData } from '@restack/events';
import type { Runtime } from '@restack/service';
import {
  CAMPAIGN_BUCKET,
  TRIGGER_BUCKET,
  startDispatcher,
  triggerIndexSchema,
} from '@restack/svc-dispatcher';
import { startNats, waitFor, type TestNats } from '../harness/nats.js';

// The dispatcher died between its compare-and-set write and the publish, or
// between the publish and clearing the outbox. On restart the campaign
// converges and the stream holds each request once.

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const limits = limitsSchema.parse({});

/** The record a dispatcher writes for a plan (created, wave 0 requested) before it dies. */
function recorded(plan: EventData<'restack.campaign.planned'>) {
  const now = new Date();
  return advance(createCampaign(plan, { now, dryRun: false, actions: [] }), {
    now,
    limits,
    usage: emptyUsage(),
  })!;
}

describe('dispatcher: crash points converge without duplicates', { timeout: 60_000 }, () => {
  let nats: TestNats;
  let bus: Bus;
  let dispatcher: Runtime | undefined;

  const start = async () => {
    dispatcher = await startDispatcher({
      config: { limits },
      tickMs: 100,
      nats: { servers: nats.url },
      handleSignals: false,
      pullExpiresMs: 1_000,
      logger: silentLogger(),
    });
    await dispatcher.ready;
  };
  async function prRequests(): Promise<number> {
    const jsm = await jetstreamManager(bus.connection);
    const info = await jsm.streams.info('RESTACK', { subjects_filter: 'restack.pr.requested' });
    return info.state.subjects?.['restack.pr.requested'] ?? 0;
  }

  before(async () => {
    nats = await startNats();
    bus = await connectBus({
      name: 'crash-test',
      connection: { servers: nats.url },
      logger: silentLogger(),
    });
    await bus.ensureTopology(restackTopology({}, [{ buckets: [CAMPAIGN_BUCKET, TRIGGER_BUCKET] }]));
  });

  after(async () => {
    await dispatcher?.stop('test');
    await bus?.close();
    await nats?.close();
  });

  it('a request recorded but never published is published once after a restart; a published one is not repeated', async () => {
    const campaigns = await bus.kv(CAMPAIGN_BUCKET.name, campaignRecordSchema);
    const planned = (id: string, repo: string) =>
      recorded({
        campaignId: id,
        trigger: { ref: 'debian:bookworm', previousDigest: D(1), digest: D(2) },
        waves: [['t']],
        targets: [
          { id: 't', repository: repo, dockerfile: 'Dockerfile', strategy: 'pr', parents: [] },
        ],
      });
    // Crash after the write, before the publish.
    await campaigns.put(encodeKvKey('unpublished'), planned('unpublished', 'acme/one'));
    // Crash after the publish, before the outbox was cleared.
    const published = planned('published', 'acme/two');
    await campaigns.put(encodeKvKey('published'), published);
    for (const e of outboxEvents(published)) await bus.publish(e);
    assert.equal(await prRequests(), 1);

    await start();
    await waitFor('outboxes cleared', async () => {
      const a = (await campaigns.get(encodeKvKey('unpublished')))?.value.targets.t?.outbox;
      const b = (await campaigns.get(encodeKvKey('published')))?.value.targets.t?.outbox;
      return a === false && b === false;
    });
    assert.equal(await prRequests(), 2, 'one request per campaign');

    // Kill NATS outright and restart the dispatcher; a redelivered plan changes nothing.
    await dispatcher!.stop('test');
    await nats.kill();
    await nats.start();
    await start();
    const opened = createEvent('restack.pr.opened', {
      campaignId: 'unpublished',
      targetId: 't',
      repository: 'acme/one',
      number: 7,
      url: 'https://github.example/acme/one/pull/7',
      branch: 'restack/debian-bookworm',
    });
    // Our own connection comes back after the kill; the same id makes a retried publish safe.
    await waitFor(
      'published after the kill',
      async () => (await bus.publish(opened, { timeoutMs: 2_000 })).seq > 0,
    );
    await waitFor(
      'PR recorded after the crash',
      async () =>
        (await campaigns.get(encodeKvKey('unpublished')))?.value.targets.t?.effect.prNumber === 7,
    );
    assert.equal(await prRequests(), 2);
  });

  it('a plan redelivered after a crash between the trigger swap and the supersede still supersedes the older campaign', async () => {
    if (!dispatcher) await start();
    const campaigns = await bus.kv(CAMPAIGN_BUCKET.name, campaignRecordSchema);
    const triggers = await bus.kv(TRIGGER_BUCKET.name, triggerIndexSchema);
    const plan = (campaignId: string, digest: string) =>
      createEvent('restack.campaign.planned', {
        campaignId,
        trigger: { ref: 'alpine:3.20', previousDigest: D(3), digest },
        waves: [['t']],
        targets: [
          {
            id: 't',
            repository: 'acme/three',
            dockerfile: 'Dockerfile',
            strategy: 'pr',
            parents: [],
          },
        ],
      });
    await bus.publish(plan('older', D(4)));
    await waitFor(
      'the older campaign requested',
      async () =>
        (await campaigns.get(encodeKvKey('older')))?.value.targets.t?.state === 'requested',
    );
    // The newer campaign was recorded and the trigger pointed at it; then the process died.
    await campaigns.put(encodeKvKey('newer'), recorded(plan('newer', D(5)).data));
    await triggers.put(encodeKvKey('alpine:3.20'), {
      campaignId: 'newer',
      digest: D(5),
      replaced: 'older',
    });
    // The plan comes again (it was never acked).
    await bus.publish(plan('newer', D(5)), { timeoutMs: 2_000 });
    await waitFor(
      'the older campaign superseded',
      async () => (await campaigns.get(encodeKvKey('older')))?.value.state === 'superseded',
    );
    const older = (await campaigns.get(encodeKvKey('older')))!.value;
    assert.equal(older.supersededBy, 'newer');
    assert.equal(older.targets.t?.state, 'superseded');
  });
});
