import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectBus, restackTopology, type Bus, type ConsumerSpec } from '@restack/bus';
import { loadConfig } from '@restack/config';
import { createEvent, type EventOf } from '@restack/events';
import type { Runtime } from '@restack/service';
import { graphEndpoints, startGraphService } from '@restack/svc-graph';
import { repoRoot, runCli } from '../harness/cli.js';
import { startNats, testLogger, waitFor, type TestNats } from '../harness/nats.js';

// The graph service against a real nats-server: the same answers as the CLI,
// campaigns planned from digest.changed (once per trigger), incremental
// updates announced with graph.updated, and a restart from the KV snapshot.

const fixture = path.join(repoRoot, 'test', 'fixtures', 'graph', 'catalog-org');
const DIGEST = `sha256:${'1'.repeat(64)}`;
const PINNED = `sha256:${'a'.repeat(64)}`;

const campaigns = {
  durable: 'test-campaigns',
  subjects: ['restack.campaign.planned'],
} satisfies ConsumerSpec<'restack.campaign.planned'>;
const updates = {
  durable: 'test-graph-updated',
  subjects: ['restack.graph.updated'],
} satisfies ConsumerSpec<'restack.graph.updated'>;

function digestChanged(ref: string, digest: string) {
  return createEvent('restack.digest.changed', {
    ref,
    previousDigest: `sha256:${'0'.repeat(64)}`,
    digest,
    platforms: [],
    detectedBy: 'poll',
    firstSeenAt: '2026-01-01T00:00:00Z',
  });
}

describe('graph service', () => {
  let nats: TestNats;
  let dir: string;
  let config: string;
  let bus: Bus;
  let service: Runtime;
  const planned: Array<EventOf<'restack.campaign.planned'>> = [];
  const updated: Array<EventOf<'restack.graph.updated'>> = [];

  async function start(): Promise<Runtime> {
    return startGraphService({
      config: await loadConfig(config),
      nats: { servers: nats.url },
      logger: testLogger(),
      pullExpiresMs: 1_000,
    });
  }

  before(async () => {
    nats = await startNats();
    dir = await mkdtemp(path.join(tmpdir(), 'restack-graph-svc-'));
    await cp(fixture, dir, { recursive: true });
    config = path.join(dir, 'restack.yaml');
    bus = await connectBus({
      name: 'graph-test',
      connection: { servers: nats.url },
      logger: testLogger(),
      pullExpiresMs: 1_000,
    });
    await bus.ensureTopology(restackTopology({}, [{ consumers: [campaigns, updates] }]));
    await bus.consume(campaigns, (e) => void planned.push(e));
    await bus.consume(updates, (e) => void updated.push(e));
    service = await start();
  });

  after(async () => {
    await service?.stop();
    await bus?.close();
    await nats?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers the graph and a plan exactly as the one-shot CLI does', async () => {
    const cliGraph = await runCli(['graph', '--config', config]);
    assert.deepEqual(await bus.request(graphEndpoints.graph, {}), JSON.parse(cliGraph.stdout));
    const cliPlan = await runCli(['plan', '--config', config, '--changed', 'debian:bookworm']);
    assert.deepEqual(
      await bus.request(graphEndpoints.plan, { changed: ['debian:bookworm'] }),
      JSON.parse(cliPlan.stdout),
    );
    const dependents = await bus.request(graphEndpoints.dependents, {
      ref: 'registry.example.com/apps/app:2',
    });
    assert.deepEqual(dependents, {
      ref: 'registry.example.com/apps/app:2',
      direct: ['repos/tools/Dockerfile'],
      transitive: ['repos/edge/Dockerfile', 'repos/worker/Dockerfile'],
    });
  });

  it('plans one campaign per trigger from digest.changed, with the waves of restack plan', async () => {
    const cliPlan = JSON.parse(
      (await runCli(['plan', '--config', config, '--changed', 'debian:bookworm'])).stdout,
    ) as {
      waves: string[][];
    };
    const first = digestChanged('debian:bookworm', DIGEST);
    await bus.publish(first);
    const [campaign] = await waitFor('campaign.planned', () => planned.length > 0 && planned);
    assert.deepEqual(campaign?.data.waves, cliPlan.waves);
    assert.deepEqual(campaign?.data.trigger, {
      ref: 'debian:bookworm',
      previousDigest: `sha256:${'0'.repeat(64)}`,
      digest: DIGEST,
    });
    assert.match(campaign?.data.campaignId ?? '', /^c-[0-9a-f]{24}$/);
    const base = campaign?.data.targets.find((t) => t.id === 'repos/base/Dockerfile');
    assert.deepEqual(base, {
      id: 'repos/base/Dockerfile',
      image: 'registry.example.com/platform/base:1',
      repository: 'local/repos',
      dockerfile: 'base/Dockerfile',
      strategy: 'build',
    });

    // The same fact delivered again (as after a crash before the ack) under another event id.
    await bus.publish(digestChanged('debian:bookworm', DIGEST));
    await waitFor('both digest.changed handled', async () => {
      const s = await bus.consumerState('graph-digest-changed');
      return s.pending === 0 && s.ackPending === 0;
    });
    await waitFor('collector drained', async () => {
      const s = await bus.consumerState(campaigns.durable);
      return s.pending === 0 && s.ackPending === 0;
    });
    assert.equal(planned.length, 1, 'the second campaign.planned had the same id and was dropped');
  });

  it('matches a digest-pinned dependent once the internal image digest is known', async () => {
    const before = (await bus.request(graphEndpoints.graph, {})).edges;
    assert.ok(!before.some((e) => e.to === 'repos/pinned/Dockerfile'));
    await bus.publish(digestChanged('registry.example.com/platform/base:1', PINNED));
    const edges = await waitFor('edge to the pinned Dockerfile', async () => {
      const g = await bus.request(graphEndpoints.graph, {});
      return g.edges.some((e) => e.to === 'repos/pinned/Dockerfile') && g.edges;
    });
    assert.ok(
      edges.some((e) => e.from === 'repos/base/Dockerfile' && e.to === 'repos/pinned/Dockerfile'),
    );
  });

  it('re-reads changed files on refresh and announces what changed', async () => {
    await writeFile(
      path.join(dir, 'repos', 'app', 'Dockerfile.debug'),
      'FROM registry.example.com/apps/app:2\n',
    );
    await rm(path.join(dir, 'repos', 'rogue'), { recursive: true });
    const { updates: deltas } = await bus.request(graphEndpoints.refresh, {});
    assert.deepEqual(
      deltas.map((d) => d.changedFiles),
      [['repos/app/Dockerfile.debug', 'repos/rogue/Dockerfile']],
    );
    const event = await waitFor('graph.updated', () => updated.length > 0 && updated[0]);
    assert.deepEqual(event.data.nodes, {
      added: ['repos/app/Dockerfile.debug'],
      removed: ['repos/rogue/Dockerfile'],
    });
    assert.deepEqual(event.data.edges, {
      added: [{ from: 'repos/app/Dockerfile', to: 'repos/app/Dockerfile.debug' }],
      removed: [],
    });
    // The conflict went with the rogue Dockerfile.
    assert.deepEqual((await bus.request(graphEndpoints.graph, {})).errors, []);
  });

  it('restarts from the snapshot without reading the sources', async () => {
    const before = await bus.request(graphEndpoints.graph, {});
    await service.stop();
    // Nothing left to read: only the snapshot can answer.
    await rm(path.join(dir, 'repos'), { recursive: true, force: true });
    service = await start();
    assert.deepEqual(await bus.request(graphEndpoints.graph, {}), before);
    const plan = await bus.request(graphEndpoints.plan, { changed: ['debian:bookworm'] });
    assert.equal(plan.waves.flat().length, 7);
  });
});
