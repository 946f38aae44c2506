import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectBus, type Bus } from '@restack/bus';
import { actionsSchema, campaignRecordSchema, limitsSchema } from '@restack/campaign';
import { parseConfig } from '@restack/config';
import { silentLogger } from '@restack/core';
import { createEvent } from '@restack/events';
import type { Runtime } from '@restack/service';
import { startDispatcher } from '@restack/svc-dispatcher';
import { startGraphService } from '@restack/svc-graph';
import { startPrBot } from '@restack/svc-pr-bot';
import { startGitHubServer, type GitHubTestServer } from '../github-server/index.js';
import { tokenAdapter } from '../github-server/clients.js';
import { pushImage } from '../harness/images.js';
import { startNats, waitFor, type TestNats } from '../harness/nats.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

// The real graph service plans the campaign from digest.changed; an internal
// image's new digest is itself a digest.changed, so the next wave starts from
// the same event (and the campaign the graph plans for it is covered, not rerun).

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

describe('campaign end to end with the graph service', { timeout: 180_000 }, () => {
  let nats: TestNats;
  let reg: TestRegistry;
  let server: GitHubTestServer;
  let bus: Bus;
  let dir: string;
  let v1 = '';
  const services: Runtime[] = [];

  const pulls = (repo: string) => server.control.pullRequests({ owner: 'acme', repo });
  async function digestChanged(ref: string, previousDigest: string, digest: string): Promise<void> {
    await bus.publish(
      createEvent('restack.digest.changed', {
        ref,
        previousDigest,
        digest,
        platforms: [],
        detectedBy: 'poll',
        firstSeenAt: '2026-01-05T10:00:00Z',
      }),
    );
  }

  before(async () => {
    [nats, reg, server] = await Promise.all([startNats(), startRegistry(), startGitHubServer()]);
    v1 = (await pushImage(reg.url, 'platform/base', '1', { layers: [{ files: { v: '1' } }] }))
      .digest;
    await server.control.createRepo({
      owner: 'acme',
      name: 'base',
      files: { Dockerfile: `FROM debian:bookworm@${D(1)}\n` },
    });
    await server.control.createRepo({
      owner: 'acme',
      name: 'app',
      files: { Dockerfile: `FROM ${reg.host}/platform/base:1@${v1}\nCMD ["app"]\n` },
    });
    dir = await mkdtemp(path.join(tmpdir(), 'restack-e2e-graph-'));
    const loaded = parseConfig(
      [
        'sources:',
        '  - github: { org: acme, name: gh }',
        'images:',
        `  - name: ${reg.host}/platform/base`,
        "    tags: ['1']",
        '    dockerfile: gh/base/Dockerfile',
      ].join('\n'),
      path.join(dir, 'restack.yaml'),
    );
    const { github } = tokenAdapter(server, 'restack-bot');
    const common = {
      nats: { servers: nats.url },
      handleSignals: false,
      pullExpiresMs: 1_000,
      logger: silentLogger(),
    };
    services.push(
      await startGraphService({ ...common, config: loaded, github }),
      await startDispatcher({
        ...common,
        // The graph asks to build catalog images; this organisation wants PRs everywhere.
        config: {
          limits: limitsSchema.parse({}),
          actions: actionsSchema.parse([{ image: '*', action: 'pr' }]),
        },
        tickMs: 200,
      }),
      await startPrBot({ ...common, github, config: {}, pollMs: 200 }),
    );
    await Promise.all(services.map((s) => s.ready));
    bus = await connectBus({
      name: 'e2e-graph',
      connection: { servers: nats.url },
      logger: silentLogger(),
    });
  });

  after(async () => {
    await Promise.all(services.map((s) => s.stop('test')));
    await bus?.close();
    await Promise.all([server?.stop(), reg?.close(), nats?.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a base tag move opens the base PR; the rebuilt base image opens the app PR', async () => {
    await digestChanged('debian:bookworm', D(1), D(2));
    const [basePr] = await waitFor('base PR', async () =>
      (await pulls('base')).length ? pulls('base') : false,
    );
    assert.equal(basePr!.head, 'restack/debian-bookworm');
    assert.equal(
      await server.control.readFile({
        owner: 'acme',
        repo: 'base',
        ref: basePr!.head,
        path: 'Dockerfile',
      }),
      `FROM debian:bookworm@${D(2)}\n`,
    );
    assert.equal((await pulls('app')).length, 0, 'the app waits for its base');

    await server.control.mergePullRequest({ owner: 'acme', repo: 'base', number: basePr!.number });
    const v2 = (await pushImage(reg.url, 'platform/base', '1', { layers: [{ files: { v: '2' } }] }))
      .digest;
    await digestChanged(`${reg.host}/platform/base:1`, v1, v2);
    const [appPr] = await waitFor('app PR', async () =>
      (await pulls('app')).length ? pulls('app') : false,
    );
    assert.equal(
      await server.control.readFile({
        owner: 'acme',
        repo: 'app',
        ref: appPr!.head,
        path: 'Dockerfile',
      }),
      `FROM ${reg.host}/platform/base:1@${v2}\nCMD ["app"]\n`,
    );

    // The graph planned a second campaign for the base image's move; it is covered by the first.
    const kv = await bus.kv('restack-campaigns', campaignRecordSchema);
    const records = await waitFor('both campaigns recorded', async () => {
      const all = await Promise.all((await kv.keys()).map(async (k) => (await kv.get(k))!.value));
      return all.length === 2 ? all : false;
    });
    const chained = records.find((r) => r.trigger.ref.includes('platform/base'))!;
    assert.deepEqual(
      Object.values(chained.targets).map((t) => [t.state, t.reason]),
      [
        [
          'superseded',
          `rebuilt by campaign ${records.find((r) => r !== chained)!.campaignId}, whose wave moved ${chained.trigger.ref}`,
        ],
      ],
    );
    assert.equal((await pulls('app')).length, 1);
    assert.equal((await pulls('base')).length, 1);
  });
});
