import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectBus, encodeKvKey, type Bus, type TypedKv } from '@restack/bus';
import { campaignRecordSchema, limitsSchema, type CampaignRecord } from '@restack/campaign';
import { createLogger, silentLogger, type Logger } from '@restack/core';
import { createEvent, type EventData } from '@restack/events';
import type { Runtime } from '@restack/service';
import { startDispatcher } from '@restack/svc-dispatcher';
import { STATUS_CONTEXT, startPrBot } from '@restack/svc-pr-bot';
import { startGitHubServer, type GitHubTestServer } from '../github-server/index.js';
import { tokenAdapter } from '../github-server/clients.js';
import { pushImage } from '../harness/images.js';
import { startNats, waitFor, type TestNats } from '../harness/nats.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

// A base tag moves; rebuild PRs appear wave by wave across repositories,
// survive redelivery, a second move and a restart of everything, and never
// duplicate. The graph service and the registry watcher are played by the
// test: it publishes the campaign.planned and digest.changed they would.

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const logger = (): Logger =>
  process.env.RESTACK_TEST_LOG
    ? createLogger({ level: process.env.RESTACK_TEST_LOG })
    : silentLogger();

describe('campaign end to end: waves of rebuild pull requests', { timeout: 180_000 }, () => {
  let nats: TestNats;
  let reg: TestRegistry;
  let server: GitHubTestServer;
  let bus: Bus;
  let campaigns: TypedKv<CampaignRecord>;
  let services: Runtime[] = [];
  let baseImage: string;
  let appImage: string;
  let baseV1: string;
  let now = new Date('2026-01-05T10:00:00Z');

  async function startServices(): Promise<void> {
    const { github } = tokenAdapter(server, 'restack-bot');
    const common = {
      nats: { servers: nats.url },
      handleSignals: false,
      pullExpiresMs: 1_000,
      logger: logger(),
    };
    services = [
      await startDispatcher({
        ...common,
        config: { limits: limitsSchema.parse({}), pullRequests: { staleAfterHours: 168 } },
        clock: () => now,
        tickMs: 200,
      }),
      await startPrBot({
        ...common,
        github,
        config: {
          github: {
            pullRequests: { labels: ['restack', 'base-image'], reviewers: ['platform-lead'] },
          },
          pullRequests: { commitMessage: 'chore(deps): rebuild {files} on {ref}' },
        },
        pollMs: 200,
      }),
    ];
    await Promise.all(services.map((s) => s.ready));
  }

  async function stopServices(): Promise<void> {
    await Promise.all(services.map((s) => s.stop('test')));
    services = [];
  }

  const pulls = (repo: string) => server.control.pullRequests({ owner: 'acme', repo });
  const record = async (id: string) => (await campaigns.get(encodeKvKey(id)))?.value;

  function plan(
    campaignId: string,
    digest: string,
    previous: string,
  ): EventData<'restack.campaign.planned'> {
    return {
      campaignId,
      trigger: {
        ref: 'debian:bookworm',
        previousDigest: previous,
        digest,
        firstSeenAt: now.toISOString(),
      },
      waves: [['base'], ['app', 'worker', 'tools']],
      targets: [
        {
          id: 'base',
          image: baseImage,
          repository: 'acme/base',
          dockerfile: 'Dockerfile',
          strategy: 'pr',
          parents: [],
        },
        {
          id: 'app',
          image: appImage,
          repository: 'acme/app',
          dockerfile: 'Dockerfile',
          strategy: 'pr',
          parents: ['base'],
        },
        {
          id: 'worker',
          repository: 'acme/app',
          dockerfile: 'services/worker/Dockerfile',
          strategy: 'pr',
          parents: ['base'],
        },
        {
          id: 'tools',
          repository: 'acme/tools',
          dockerfile: 'Dockerfile',
          strategy: 'pr',
          parents: ['base'],
        },
      ],
    };
  }

  async function digestChanged(ref: string, previousDigest: string, digest: string): Promise<void> {
    await bus.publish(
      createEvent('restack.digest.changed', {
        ref,
        previousDigest,
        digest,
        platforms: [],
        detectedBy: 'poll',
        firstSeenAt: now.toISOString(),
      }),
    );
  }

  /** The lines that differ between the base branch and the PR branch. */
  async function diff(
    repo: string,
    branch: string,
    path: string,
  ): Promise<Array<[string, string]>> {
    const before = (await server.control.readFile({
      owner: 'acme',
      repo,
      ref: 'main',
      path,
    }))!.split('\n');
    const afterText = (await server.control.readFile({
      owner: 'acme',
      repo,
      ref: branch,
      path,
    }))!.split('\n');
    assert.equal(afterText.length, before.length);
    return before.flatMap((line, i) =>
      line === afterText[i] ? [] : [[line, afterText[i]!] as [string, string]],
    );
  }

  before(async () => {
    [nats, reg, server] = await Promise.all([startNats(), startRegistry(), startGitHubServer()]);
    baseImage = `${reg.host}/platform/base:1`;
    appImage = `${reg.host}/team/app:1`;
    baseV1 = (
      await pushImage(reg.url, 'platform/base', '1', {
        layers: [{ files: { 'etc/base': 'v1\n' } }],
      })
    ).digest;
    await server.control.createRepo({
      owner: 'acme',
      name: 'base',
      files: { Dockerfile: `FROM debian:bookworm@${D(1)}\nRUN echo base > /etc/base\n` },
    });
    await server.control.createRepo({
      owner: 'acme',
      name: 'app',
      files: {
        Dockerfile: `FROM ${baseImage}@${baseV1}\nCOPY . /app\n`,
        'services/worker/Dockerfile': `# worker\nFROM ${baseImage}@${baseV1} AS run\nCMD ["worker"]\n`,
      },
    });
    await server.control.createRepo({
      owner: 'acme',
      name: 'tools',
      files: { Dockerfile: `FROM ${baseImage}@${baseV1}\n`, 'README.md': 'tools\n' },
    });
    bus = await connectBus({
      name: 'e2e-test',
      connection: { servers: nats.url },
      logger: silentLogger(),
    });
    await startServices();
    campaigns = await bus.kv('restack-campaigns', campaignRecordSchema);
  });

  after(async () => {
    await stopServices();
    await bus?.close();
    await Promise.all([server?.stop(), reg?.close(), nats?.close()]);
  });

  it('opens one PR in the base repository with a one-line digest bump', async () => {
    await bus.publish(createEvent('restack.campaign.planned', plan('c1', D(2), D(1))));
    const [pr] = await waitFor('base PR', async () =>
      (await pulls('base')).length === 1 ? pulls('base') : false,
    );
    assert.equal(pr!.head, 'restack/debian-bookworm');
    assert.deepEqual(await diff('base', pr!.head, 'Dockerfile'), [
      [`FROM debian:bookworm@${D(1)}`, `FROM debian:bookworm@${D(2)}`],
    ]);
    assert.match(pr!.body ?? '', /Old digest \| `sha256:0+1`/);
    assert.match(pr!.body ?? '', /wave 1 of 2/);
    assert.match(pr!.body ?? '', /team\/app:1/, 'the body names what rebuilds after the merge');
    // Labels and reviewers follow the opening.
    const labelled = await waitFor('labels and reviewers', async () => {
      const [p] = await pulls('base');
      return p!.requestedReviewers.length > 0 ? p : false;
    });
    assert.deepEqual(labelled.labels, ['restack', 'base-image']);
    assert.deepEqual(labelled.requestedReviewers, ['platform-lead']);
    const c1 = await waitFor('PR recorded', async () =>
      (await record('c1'))?.targets.base?.effect.prNumber ? record('c1') : false,
    );
    assert.equal(c1!.targets.base!.state, 'requested');
    assert.equal(c1!.targets.app!.state, 'pending');
    assert.equal(c1!.targets.app!.reason, 'waiting for base');
  });

  it('a redelivered plan and a second move of the base update the same PR', async () => {
    const [first] = await pulls('base');
    await bus.publish(createEvent('restack.campaign.planned', plan('c1', D(2), D(1))));
    now = new Date('2026-01-05T11:00:00Z');
    await bus.publish(createEvent('restack.campaign.planned', plan('c2', D(3), D(2))));
    await waitFor('PR retargeted', async () =>
      (
        await server.control.readFile({
          owner: 'acme',
          repo: 'base',
          ref: first!.head,
          path: 'Dockerfile',
        })
      )?.includes(D(3)),
    );
    const all = await pulls('base');
    assert.equal(all.length, 1, 'no second PR');
    assert.equal(all[0]!.number, first!.number);
    await waitFor('body updated', async () =>
      (await pulls('base'))[0]!.body?.includes(`\`${D(3)}\``),
    );
    const c1 = await record('c1');
    assert.equal(c1!.state, 'superseded');
    assert.equal(c1!.targets.base!.state, 'superseded');
    assert.equal(c1!.targets.tools!.state, 'superseded');
    await waitFor(
      'c2 owns the PR',
      async () => (await record('c2'))?.targets.base?.effect.prNumber === first!.number,
    );
  });

  it('merging and the new base image advance the next wave, one PR per repository', async () => {
    const [pr] = await pulls('base');
    await server.control.mergePullRequest({ owner: 'acme', repo: 'base', number: pr!.number });
    // The base repository's CI pushes the rebuilt image; the watcher sees it.
    const v2 = (
      await pushImage(reg.url, 'platform/base', '1', {
        layers: [{ files: { 'etc/base': 'v2\n' } }],
      })
    ).digest;
    await digestChanged(baseImage, baseV1, v2);
    // The graph service plans a campaign for that digest change too; campaign c2 already covers it.
    await bus.publish(
      createEvent('restack.campaign.planned', {
        campaignId: 'chained',
        trigger: { ref: baseImage, previousDigest: baseV1, digest: v2 },
        waves: [['app', 'worker', 'tools']],
        targets: plan('x', D(3), D(2))
          .targets.filter((t) => t.id !== 'base')
          .map((t) => ({ ...t, parents: [] })),
      }),
    );
    const [appPr] = await waitFor('app PR', async () =>
      (await pulls('app')).length > 0 ? pulls('app') : false,
    );
    const [toolsPr] = await waitFor('tools PR', async () =>
      (await pulls('tools')).length > 0 ? pulls('tools') : false,
    );
    assert.equal(appPr!.head, `restack/${reg.host.replace(':', '-')}/platform/base-1`);
    assert.deepEqual(await diff('app', appPr!.head, 'Dockerfile'), [
      [`FROM ${baseImage}@${baseV1}`, `FROM ${baseImage}@${v2}`],
    ]);
    assert.deepEqual(await diff('app', appPr!.head, 'services/worker/Dockerfile'), [
      [`FROM ${baseImage}@${baseV1} AS run`, `FROM ${baseImage}@${v2} AS run`],
    ]);
    // Both Dockerfiles of the repository change in one commit on top of main.
    const head = await server.control.branchSha({
      owner: 'acme',
      repo: 'app',
      branch: appPr!.head,
    });
    const commit = await server.control.readCommit({ owner: 'acme', repo: 'app', sha: head! });
    assert.equal(
      commit.parents[0],
      await server.control.branchSha({ owner: 'acme', repo: 'app', branch: 'main' }),
    );
    assert.match(commit.message, /rebuild Dockerfile, services\/worker\/Dockerfile on/);
    assert.deepEqual(await diff('tools', toolsPr!.head, 'Dockerfile'), [
      [`FROM ${baseImage}@${baseV1}`, `FROM ${baseImage}@${v2}`],
    ]);
    const chained = await waitFor('chained campaign recorded', () => record('chained'));
    assert.equal(chained.state, 'finished');
    assert.deepEqual(
      Object.values(chained.targets).map((t) => t.state),
      ['superseded', 'superseded', 'superseded'],
    );
    assert.match(chained.targets.app!.reason!, /rebuilt by campaign c2/);
    const c2 = await record('c2');
    assert.equal(c2!.targets.base!.state, 'done');
    assert.equal(c2!.targets.base!.effect.digest, v2);
  });

  it('after a restart of NATS and every service, merges finish the campaign without duplicates', async () => {
    await stopServices();
    await nats.restart();
    await startServices();
    // A redelivery after the restart changes nothing. Our own connection may still be
    // reconnecting; the same event id makes a retried publish safe.
    const again = createEvent('restack.campaign.planned', plan('c2', D(3), D(2)));
    await waitFor(
      'redelivered',
      async () => (await bus.publish(again, { timeoutMs: 2_000 })).seq > 0,
    );
    const [toolsPr] = await pulls('tools');
    await server.control.mergePullRequest({
      owner: 'acme',
      repo: 'tools',
      number: toolsPr!.number,
    });
    await waitFor(
      'tools done on merge',
      async () => (await record('c2'))?.targets.tools?.state === 'done',
    );
    const [appPr] = await pulls('app');
    await server.control.mergePullRequest({ owner: 'acme', repo: 'app', number: appPr!.number });
    await waitFor(
      'worker done on merge',
      async () => (await record('c2'))?.targets.worker?.state === 'done',
    );
    assert.equal((await record('c2'))!.targets.app!.state, 'requested', 'app waits for its image');
    const v2 = (await pushImage(reg.url, 'team/app', '1', { layers: [{ files: { app: 'v2\n' } }] }))
      .digest;
    await digestChanged(appImage, D(7), v2);
    const done = await waitFor('campaign finished', async () =>
      (await record('c2'))?.state === 'finished' ? record('c2') : false,
    );
    assert.deepEqual(
      Object.values(done!.targets).map((t) => [t.id, t.state]),
      [
        ['base', 'done'],
        ['app', 'done'],
        ['worker', 'done'],
        ['tools', 'done'],
      ],
    );
    assert.equal((await pulls('base')).length, 1);
    assert.equal((await pulls('app')).length, 1);
    assert.equal((await pulls('tools')).length, 1);
  });

  it('the rescan after the merge sets a commit status and adds the vulnerability summary', async () => {
    const [appPr] = await pulls('app');
    await bus.publish(
      createEvent('restack.scan.completed', {
        image: appImage,
        digest: D(8),
        campaignId: 'c2',
        scanner: 'trivy',
        baseVerified: true,
        vulnerabilities: { critical: 0, high: 1, medium: 2, low: 3, unknown: 0 },
      }),
    );
    const status = await waitFor('status', async () =>
      (await server.control.statuses({ owner: 'acme', repo: 'app' })).find(
        (s) => s.context === STATUS_CONTEXT,
      ),
    );
    assert.equal(status.state, 'success');
    assert.equal(status.sha, appPr!.mergeCommitSha);
    const body = (await pulls('app'))[0]!.body ?? '';
    assert.match(body, /new base is in the image; vulnerabilities: 0 critical, 1 high/);
  });
});
