import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectBus, restackTopology, type Bus, type ConsumerSpec } from '@restack/bus';
import { parseConfig } from '@restack/config';
import type { EventOf } from '@restack/events';
import type { Runtime } from '@restack/service';
import { z } from 'zod';
import { GRAPH_BUCKET, graphEndpoints, snapshotStore, startGraphService } from '@restack/svc-graph';
import { tokenAdapter } from '../github-server/clients.js';
import { startGitHubServer, type GitHubTestServer } from '../github-server/index.js';
import { startNats, testLogger, waitFor, type TestNats } from '../harness/nats.js';

// The graph service with a GitHub source: push webhooks arrive through
// restack.rpc.graph.push, are verified, and become restack.graph.updated.

const SECRET = 'service-webhook-secret';
const updates = {
  durable: 'test-webhook-updated',
  subjects: ['restack.graph.updated'],
} satisfies ConsumerSpec<'restack.graph.updated'>;

function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

describe('graph service: push webhooks and snapshot chunks', () => {
  let nats: TestNats;
  let server: GitHubTestServer;
  let dir: string;
  let bus: Bus;
  let service: Runtime;
  const updated: Array<EventOf<'restack.graph.updated'>> = [];

  before(async () => {
    nats = await startNats();
    server = await startGitHubServer();
    await server.control.createRepo({
      owner: 'acme',
      name: 'app',
      files: { Dockerfile: 'FROM debian:bookworm\n' },
    });
    dir = await mkdtemp(path.join(tmpdir(), 'restack-graph-hook-'));
    const config = parseConfig(
      'sources:\n  - github: { org: acme, name: gh }\n',
      path.join(dir, 'restack.yaml'),
    );
    bus = await connectBus({
      name: 'hook-test',
      connection: { servers: nats.url },
      logger: testLogger(),
      pullExpiresMs: 1_000,
    });
    await bus.ensureTopology(
      restackTopology({}, [{ consumers: [updates], buckets: [GRAPH_BUCKET] }]),
    );
    await bus.consume(updates, (e) => void updated.push(e));
    service = await startGraphService({
      config,
      github: tokenAdapter(server).github,
      webhookSecret: SECRET,
      nats: { servers: nats.url },
      logger: testLogger(),
      pullExpiresMs: 1_000,
    });
  });

  after(async () => {
    await service?.stop();
    await bus?.close();
    await server?.stop();
    await nats?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a push whose signature does not match, and changes nothing', async () => {
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      before: 'a'.repeat(40),
      after: 'b'.repeat(40),
      repository: { full_name: 'acme/app' },
      commits: [{ added: ['api/Dockerfile'] }],
    });
    await assert.rejects(
      bus.request(graphEndpoints.push, { body, signature: sign(body, 'wrong') }),
      { code: 'sources.webhook-signature' },
    );
    const graph = await bus.request(graphEndpoints.graph, {});
    assert.deepEqual(
      graph.nodes.map((n) => n.dockerfile),
      ['gh/app/Dockerfile'],
    );
  });

  it('applies a signed push and publishes graph.updated', async () => {
    await server.control.pushCommit({
      owner: 'acme',
      repo: 'app',
      branch: 'main',
      files: { 'api/Dockerfile': 'FROM debian:bookworm\n' },
    });
    const after = await server.control.branchSha({ owner: 'acme', repo: 'app', branch: 'main' });
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      before: 'a'.repeat(40),
      after,
      repository: { full_name: 'acme/app' },
      commits: [{ added: ['api/Dockerfile'], modified: [], removed: [] }],
    });
    const reply = await bus.request(graphEndpoints.push, { body, signature: sign(body) });
    assert.deepEqual(reply.updated?.nodes, { added: ['gh/app/api/Dockerfile'], removed: [] });
    const event = await waitFor('graph.updated', () => updated.length > 0 && updated[0]);
    assert.equal(event.data.repository, 'acme/app');
    assert.deepEqual(event.data.changedFiles, ['gh/app/api/Dockerfile']);
  });

  it('stores a snapshot larger than one KV value in chunks', async () => {
    const store = await snapshotStore(bus);
    const big = randomBytes(1_500_000);
    await store.save(big);
    assert.deepEqual(await store.load(), big);
    const keys = await (await bus.kv(GRAPH_BUCKET.name, z.unknown())).keys();
    assert.equal(keys.filter((k) => k.startsWith('chunk.')).length, 3, '1.5 MB in 512 KiB chunks');
  });
});
