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
import { campaignRecordSchema, limitsSchema, type CampaignRecord } from '@restack/campaign';
import { silentLogger } from '@restack/core';
import { createEvent, type EventData, type RestackEvent } from '@restack/events';
import type { Runtime } from '@restack/service';
import { startDispatcher } from '@restack/svc-dispatcher';
import { startNats, waitFor, type TestNats } from '../harness/nats.js';

// Two dispatcher replicas share the work. Each decides from campaigns it
// keeps in memory (bench/README.md, "Load"), so each must see what the other
// wrote: at start-up, and while both run.

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
type Target = EventData<'restack.campaign.planned'>['targets'][number];

const observer = {
  durable: 'replicas-test-observer',
  subjects: ['restack.pr.requested'],
} satisfies ConsumerSpec<'restack.pr.requested'>;

describe('dispatcher: two replicas', { timeout: 120_000 }, () => {
  let nats: TestNats;
  let bus: Bus;
  let campaigns: TypedKv<CampaignRecord>;
  const replicas: Runtime[] = [];
  const requests: RestackEvent[] = [];

  const start = async (): Promise<Runtime> => {
    const r = await startDispatcher({
      config: { limits: limitsSchema.parse({ openPullRequestsPerRepository: 1 }) },
      tickMs: 60_000,
      nats: { servers: nats.url },
      handleSignals: false,
      pullExpiresMs: 1_000,
      logger: silentLogger(),
    });
    await r.ready;
    replicas.push(r);
    return r;
  };
  const record = async (id: string) => (await campaigns.get(encodeKvKey(id)))?.value;
  const requested = (id: string) => requests.filter((e) => e.campaignId === id).length;
  const target = (id: string, repository: string, image?: string): Target => ({
    id,
    repository,
    dockerfile: 'Dockerfile',
    strategy: 'pr',
    ...(image ? { image } : {}),
  });
  const plan = (campaignId: string, ref: string, digest: number, targets: Target[]) =>
    bus.publish(
      createEvent('restack.campaign.planned', {
        campaignId,
        trigger: { ref, previousDigest: D(1), digest: D(digest) },
        waves: [targets.map((t) => t.id)],
        targets,
      }),
    );

  before(async () => {
    nats = await startNats();
    bus = await connectBus({
      name: 'replicas-test',
      connection: { servers: nats.url },
      logger: silentLogger(),
    });
    await start();
    await bus.ensureTopology(restackTopology({}, [{ consumers: [observer] }]));
    await bus.consume(observer, (e) => {
      requests.push(e);
    });
    campaigns = await bus.kv('restack-campaigns', campaignRecordSchema);
  });

  after(async () => {
    for (const r of replicas) await r.stop('test');
    await bus?.close();
    await nats?.close();
  });

  it('a replica started later, and one running beside the writer, both chain campaigns the other recorded', async () => {
    // Recorded by the first replica alone; the second learns them when it starts.
    for (let i = 0; i < 4; i++) {
      await plan(`early${i}`, `base/e${i}:1`, 2, [
        target('t', `acme/early${i}`, `reg.example/app/e${i}:1`),
      ]);
    }
    await waitFor('early campaigns requested', () =>
      [0, 1, 2, 3].every((i) => requested(`early${i}`) === 1),
    );
    await start();
    // Recorded by whichever replica takes them.
    for (let i = 0; i < 4; i++) {
      await plan(`late${i}`, `base/l${i}:1`, 2, [
        target('t', `acme/late${i}`, `reg.example/app/l${i}:1`),
      ]);
    }
    await waitFor('late campaigns requested', () =>
      [0, 1, 2, 3].every((i) => requested(`late${i}`) === 1),
    );
    // Only the second replica is left to see the images move.
    await replicas[0]!.stop('test');
    const ids = ['e0', 'e1', 'e2', 'e3', 'l0', 'l1', 'l2', 'l3'];
    for (const [n, id] of ids.entries()) {
      await bus.publish(
        createEvent('restack.digest.changed', {
          ref: `reg.example/app/${id}:1`,
          previousDigest: D(3),
          digest: D(100 + n),
          platforms: [],
          detectedBy: 'poll',
          firstSeenAt: new Date().toISOString(),
        }),
      );
    }
    for (const [n, id] of ids.entries()) {
      const campaignId = `${id.startsWith('e') ? 'early' : 'late'}${id.slice(1)}`;
      const t = await waitFor(`${campaignId} sees its image move`, async () => {
        const c = await record(campaignId);
        return c?.targets.t?.effect.digest === D(100 + n) ? c.targets.t : false;
      });
      assert.equal(t.reason, 'image seen at a new digest; waiting for the merge');
    }
  });

  it('a newer digest supersedes, and the per-repository limit holds, whichever replica decides', async () => {
    await start(); // two replicas again
    await plan('old', 'debian:12', 10, [target('a', 'acme/mono')]);
    await waitFor('old requested', () => requested('old') === 1);
    await plan('new', 'debian:12', 11, [target('a', 'acme/mono', undefined)]);
    await waitFor('old superseded', async () => (await record('old'))?.state === 'superseded');
    await waitFor('new requested', () => requested('new') === 1);
    // acme/mono has its one open PR (the new campaign's): another trigger waits.
    await plan('other', 'alpine:3.20', 12, [target('b', 'acme/mono')]);
    const waiting = await waitFor('other waits', async () => {
      const t = (await record('other'))?.targets.b;
      return t?.reason?.startsWith('limit:') ? t : false;
    });
    assert.equal(waiting.state, 'pending');
    assert.equal(waiting.reason, 'limit: 1 open pull requests in acme/mono');
    assert.equal(requested('other'), 0);
  });
});
