import assert from 'node:assert/strict';
import { it } from 'node:test';
import { silentLogger } from '@restack/core';
import { createEvent, type RestackEvent } from '@restack/events';
import {
  PR_BOT_BUCKET,
  branchRecordSchema,
  branchStore,
  onPrRequested,
  pollPullRequests,
  prBotSettings,
  type PrBotPorts,
} from '@restack/svc-pr-bot';
import { startGitHubServer } from '../github-server/index.js';
import { tokenAdapter } from '../github-server/clients.js';
import { busFixture, defer } from '../harness/nats.js';

// Found by chaos.test.ts: pr-bot killed after opening a PR and before recording
// it; the PR is merged before the redelivery. The redelivery must report that PR
// (so the campaign knows its number and sees the merge), not "already up to date".

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const where = { owner: 'acme', repo: 'svc' };

it('a redelivery reports the PR a killed run opened and someone merged since', async (t) => {
  const server = await startGitHubServer();
  defer(t, () => server.stop());
  const { bus } = await busFixture(t, [{ buckets: [PR_BOT_BUCKET] }]);
  await server.control.createRepo({
    owner: 'acme',
    name: 'svc',
    files: { Dockerfile: `FROM debian:bookworm@${D(1)}\n` },
  });
  const { github } = tokenAdapter(server, 'restack-bot');
  const sent: RestackEvent[] = [];
  const ports: PrBotPorts = {
    github,
    branches: branchStore(await bus.kv(PR_BOT_BUCKET.name, branchRecordSchema)),
    publish: async (e) => void sent.push(e),
    log: silentLogger(),
    settings: prBotSettings({}),
  };
  const request = createEvent('restack.pr.requested', {
    campaignId: 'c1',
    targetId: 'svc',
    repository: 'acme/svc',
    dockerfile: 'Dockerfile',
    baseRef: 'debian:bookworm',
    fromDigest: D(1),
    toDigest: D(2),
  });

  // The first run dies right after GitHub created the PR.
  const dying: PrBotPorts = {
    ...ports,
    github: {
      ...github,
      openPullRequest: async (...args) => {
        await github.openPullRequest(...args);
        throw new Error('killed');
      },
    },
  };
  await assert.rejects(onPrRequested(request, dying), /killed/);
  const [pr] = server.control.pullRequests(where);
  assert.ok(pr, 'the PR exists');
  await server.control.mergePullRequest({ ...where, number: pr.number });

  await onPrRequested(request, ports);
  assert.equal(server.control.pullRequests(where).length, 1, 'no second PR');
  const opened = sent.find((e) => e.type === 'restack.pr.opened');
  assert.ok(opened && opened.type === 'restack.pr.opened', `sent: ${sent.map((e) => e.type)}`);
  assert.equal(opened.data.number, pr.number);
  // The merge poll now follows it and reports the merge.
  await pollPullRequests(ports);
  const updated = sent.find((e) => e.type === 'restack.pr.updated');
  assert.ok(updated && updated.type === 'restack.pr.updated');
  assert.equal(updated.data.state, 'merged');
  assert.equal(updated.data.campaignId, 'c1');
});
