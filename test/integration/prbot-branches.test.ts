import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectBus, restackTopology, type Bus, type ConsumerSpec } from '@restack/bus';
import { createLogger, silentLogger, type Logger } from '@restack/core';
import { createEvent, type EventData, type RestackEvent } from '@restack/events';
import type { Runtime } from '@restack/service';
import { startPrBot } from '@restack/svc-pr-bot';
import { startGitHubServer, type GitHubTestServer } from '../github-server/index.js';
import { tokenAdapter } from '../github-server/clients.js';
import { startNats, waitFor, type TestNats } from '../harness/nats.js';

// pr-bot on its own, fed pr.requested as the dispatcher would send it.

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const logger = (): Logger =>
  process.env.RESTACK_TEST_LOG
    ? createLogger({ level: process.env.RESTACK_TEST_LOG })
    : silentLogger();
const where = { owner: 'acme', repo: 'svc' };
const BRANCH = 'restack/debian-bookworm';

const observer = {
  durable: 'prbot-test-observer',
  subjects: ['restack.pr.opened', 'restack.pr.updated', 'restack.pr.failed'],
} satisfies ConsumerSpec<'restack.pr.opened' | 'restack.pr.updated' | 'restack.pr.failed'>;

function request(digest: string, overrides: Partial<EventData<'restack.pr.requested'>> = {}) {
  return createEvent('restack.pr.requested', {
    campaignId: 'c1',
    targetId: 'svc',
    repository: 'acme/svc',
    dockerfile: 'Dockerfile',
    baseRef: 'debian:bookworm',
    fromDigest: D(1),
    toDigest: digest,
    ...overrides,
  });
}

describe('pr-bot: one branch and one PR per repository and trigger', { timeout: 120_000 }, () => {
  let nats: TestNats;
  let server: GitHubTestServer;
  let bus: Bus;
  let bot: Runtime;
  const seen: RestackEvent[] = [];

  const pulls = () => server.control.pullRequests(where);
  const branchSha = () => server.control.branchSha({ ...where, branch: BRANCH });
  const seenOf = (type: string, pred: (e: RestackEvent) => boolean = () => true) =>
    seen.filter((e) => e.type === type && pred(e));

  before(async () => {
    [nats, server] = await Promise.all([startNats(), startGitHubServer()]);
    await server.control.createRepo({
      owner: 'acme',
      name: 'svc',
      files: {
        Dockerfile: `FROM debian:bookworm@${D(1)}\r\nRUN true # keep CRLF\r\n`,
        '.github/workflows/rebuild.yml':
          'on:\n  workflow_dispatch:\n    inputs:\n      digest: {}\n',
      },
    });
    const { github } = tokenAdapter(server, 'restack-bot');
    bot = await startPrBot({
      github,
      config: { pullRequests: { commitMessage: 'deps: {ref} -> {digest} ({campaign})' } },
      nats: { servers: nats.url },
      handleSignals: false,
      pullExpiresMs: 1_000,
      pollMs: 200,
      logger: logger(),
    });
    await bot.ready;
    bus = await connectBus({
      name: 'prbot-test',
      connection: { servers: nats.url },
      logger: silentLogger(),
    });
    await bus.ensureTopology(restackTopology({}, [{ consumers: [observer] }]));
    await bus.consume(observer, (e) => {
      seen.push(e);
    });
  });

  after(async () => {
    await bot?.stop('test');
    await bus?.close();
    await Promise.all([server?.stop(), nats?.close()]);
  });

  it('a repeated or redelivered request updates nothing and opens no second PR', async () => {
    const first = request(D(2));
    await bus.publish(first);
    await waitFor('pr.opened', () => seenOf('restack.pr.opened').length === 1);
    const sha = await branchSha();
    const commit = await server.control.readCommit({ ...where, sha: sha! });
    assert.equal(commit.message, `deps: debian:bookworm -> ${D(2)} (c1)`);
    assert.equal(
      await server.control.readFile({ ...where, ref: BRANCH, path: 'Dockerfile' }),
      `FROM debian:bookworm@${D(2)}\r\nRUN true # keep CRLF\r\n`,
      'only the digest bytes change',
    );
    await bus.publish(first); // same id: JetStream drops it
    await bus.publish(request(D(2))); // same request, new id: a redelivery past the duplicate window
    await waitFor('second answer', () => seenOf('restack.pr.opened').length === 2);
    assert.equal((await pulls()).length, 1);
    assert.equal(await branchSha(), sha, 'no new commit for the same change');
    const [a, b] = seenOf('restack.pr.opened');
    assert.equal(
      a!.type === 'restack.pr.opened' &&
        b!.type === 'restack.pr.opened' &&
        a.data.number === b.data.number,
      true,
    );
  });

  it('a branch a person pushed to is commented on, never force-pushed', async () => {
    const human = await server.control.pushCommit({
      ...where,
      branch: BRANCH,
      files: { 'NOTES.md': 'my fix\n' },
      message: 'human tweak',
    });
    const humanSha = await branchSha();
    assert.ok(human);
    await bus.publish(request(D(3)));
    await waitFor('comment', async () => (await server.control.comments(where)).length === 1);
    await bus.publish(request(D(3)));
    await waitFor(
      'human-push reported twice',
      () =>
        seenOf(
          'restack.pr.updated',
          (e) => e.type === 'restack.pr.updated' && e.data.reason === 'human-push',
        ).length === 2,
    );
    const comments = await server.control.comments(where);
    assert.equal(comments.length, 1, 'one comment per human head');
    assert.match(comments[0]!.body, /restack never force-pushes/);
    assert.equal(await branchSha(), humanSha);
    assert.equal((await pulls()).length, 1);
  });

  it('a PR whose trigger became irrelevant is closed with a comment', async () => {
    // Someone bumps main by hand to the digest restack wanted.
    await server.control.pushCommit({
      ...where,
      branch: 'main',
      files: { Dockerfile: `FROM debian:bookworm@${D(3)}\n` },
    });
    await bus.publish(request(D(3)));
    await waitFor('PR closed', async () => (await pulls())[0]!.state === 'closed');
    const comments = await server.control.comments(where);
    assert.match(comments.at(-1)!.body, /already uses debian:bookworm@sha256:0+3/);
    await waitFor(
      'up-to-date reported',
      () =>
        seenOf(
          'restack.pr.failed',
          (e) => e.type === 'restack.pr.failed' && e.data.failure.code === 'pr.up-to-date',
        ).length === 1,
    );
  });

  it('a request naming a missing Dockerfile fails without retrying', async () => {
    await bus.publish(request(D(4), { dockerfile: 'gone/Dockerfile', targetId: 'gone' }));
    const failed = await waitFor(
      'pr.failed',
      () =>
        seenOf(
          'restack.pr.failed',
          (e) => e.type === 'restack.pr.failed' && e.data.targetId === 'gone',
        )[0],
    );
    assert.equal(failed.type === 'restack.pr.failed' && failed.data.failure.retryable, false);
  });

  it('a merged PR is seen by polling; dispatches reach the repository', async () => {
    await server.control.createRepo({
      owner: 'acme',
      name: 'lib',
      files: { Dockerfile: `FROM debian:bookworm@${D(1)}\n` },
    });
    await bus.publish(request(D(5), { repository: 'acme/lib', targetId: 'lib' }));
    const [pr] = await waitFor('lib PR', async () => {
      const p = await server.control.pullRequests({ owner: 'acme', repo: 'lib' });
      return p.length === 1 ? p : false;
    });
    await server.control.mergePullRequest({ owner: 'acme', repo: 'lib', number: pr!.number });
    await waitFor(
      'pr.updated merged',
      () =>
        seenOf(
          'restack.pr.updated',
          (e) =>
            e.type === 'restack.pr.updated' &&
            e.data.state === 'merged' &&
            e.data.repository === 'acme/lib',
        ).length === 1,
    );
    await bus.publish(
      createEvent('restack.dispatch.requested', {
        campaignId: 'c1',
        targetId: 'svc',
        repository: 'acme/svc',
        workflow: 'rebuild.yml',
        ref: 'main',
        inputs: { digest: D(5) },
      }),
    );
    await bus.publish(
      createEvent('restack.dispatch.requested', {
        campaignId: 'c1',
        targetId: 'svc',
        repository: 'acme/svc',
        workflow: 'restack-rebuild',
        ref: 'main',
        inputs: { digest: D(5) },
        kind: 'repository',
      }),
    );
    const dispatches = await waitFor('dispatches', async () => {
      const d = await server.control.dispatches(where);
      return d.length === 2 ? d : false;
    });
    const workflow = dispatches.find((d) => d.kind === 'workflow_dispatch');
    assert.equal(workflow?.target, 'rebuild.yml');
    assert.deepEqual(workflow?.inputs, { digest: D(5) });
    const repository = dispatches.find((d) => d.kind === 'repository_dispatch');
    assert.equal(repository?.target, 'restack-rebuild');
    assert.equal(repository?.payload?.campaign, 'c1');
  });
});
