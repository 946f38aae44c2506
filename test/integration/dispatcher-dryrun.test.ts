import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectBus, encodeKvKey, type Bus } from '@restack/bus';
import { campaignRecordSchema, limitsSchema } from '@restack/campaign';
import { silentLogger } from '@restack/core';
import { createEvent } from '@restack/events';
import type { Runtime } from '@restack/service';
import { startDispatcher } from '@restack/svc-dispatcher';
import { startPrBot } from '@restack/svc-pr-bot';
import { startGitHubServer, type GitHubTestServer } from '../github-server/index.js';
import { tokenAdapter } from '../github-server/clients.js';
import { startNats, waitFor, type TestNats } from '../harness/nats.js';

// --dry-run: the campaign is planned and recorded; GitHub is left untouched.

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

describe('dispatcher: dry run', { timeout: 60_000 }, () => {
  let nats: TestNats;
  let server: GitHubTestServer;
  let bus: Bus;
  const services: Runtime[] = [];

  before(async () => {
    [nats, server] = await Promise.all([startNats(), startGitHubServer()]);
    await server.control.createRepo({
      owner: 'acme',
      name: 'base',
      files: { Dockerfile: `FROM debian:bookworm@${D(1)}\n` },
    });
    const common = {
      nats: { servers: nats.url },
      handleSignals: false,
      pullExpiresMs: 1_000,
      logger: silentLogger(),
    };
    services.push(
      await startDispatcher({
        ...common,
        config: { limits: limitsSchema.parse({}), dryRun: false },
        dryRun: true,
        tickMs: 150,
      }),
      await startPrBot({ ...common, github: tokenAdapter(server).github, config: {}, pollMs: 150 }),
    );
    await Promise.all(services.map((s) => s.ready));
    bus = await connectBus({
      name: 'dryrun-test',
      connection: { servers: nats.url },
      logger: silentLogger(),
    });
  });

  after(async () => {
    await Promise.all(services.map((s) => s.stop('test')));
    await bus?.close();
    await Promise.all([server?.stop(), nats?.close()]);
  });

  it('records the campaign and what it would do, and opens no PR and no branch', async () => {
    await bus.publish(
      createEvent('restack.campaign.planned', {
        campaignId: 'dry',
        trigger: { ref: 'debian:bookworm', previousDigest: D(1), digest: D(2) },
        waves: [['base'], ['app']],
        targets: [
          {
            id: 'base',
            repository: 'acme/base',
            dockerfile: 'Dockerfile',
            strategy: 'pr',
            parents: [],
          },
          {
            id: 'app',
            repository: 'acme/app',
            dockerfile: 'Dockerfile',
            strategy: 'build',
            image: 'reg.example/app',
            parents: ['base'],
          },
        ],
      }),
    );
    const campaigns = await bus.kv('restack-campaigns', campaignRecordSchema);
    const c = await waitFor('dry-run record', async () => {
      const r = (await campaigns.get(encodeKvKey('dry')))?.value;
      return r?.targets.app?.reason ? r : false;
    });
    assert.equal(c.dryRun, true);
    assert.equal(c.targets.base!.reason, 'dry run: would open a pull request in acme/base');
    assert.equal(c.targets.app!.reason, 'dry run: would build reg.example/app');
    assert.deepEqual(
      Object.values(c.targets).map((t) => t.state),
      ['pending', 'pending'],
    );
    // Once the dispatcher has acked the plan, anything it would request is already on the stream.
    await waitFor('dispatcher idle', async () => {
      const s = await bus.consumerState('dispatcher');
      return s.pending === 0 && s.ackPending === 0;
    });
    const jsm = await jetstreamManager(bus.connection);
    const info = await jsm.streams.info('RESTACK', { subjects_filter: 'restack.>' });
    assert.deepEqual(Object.keys(info.state.subjects ?? {}), ['restack.campaign.planned']);
    assert.deepEqual(await server.control.pullRequests({ owner: 'acme', repo: 'base' }), []);
    assert.deepEqual(await server.control.listBranches({ owner: 'acme', repo: 'base' }), ['main']);
  });
});
