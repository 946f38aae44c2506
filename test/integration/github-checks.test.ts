import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GitHubPort, RepoRef } from '@restack/github';
import { startGitHubServer, type GitHubTestServer } from '../github-server/index.js';
import { adapterFor, tokenAdapter } from '../github-server/clients.js';

// Statuses, check runs and Actions dispatches, as a repository owner sees them.

const repo: RepoRef = { owner: 'acme', repo: 'app' };
const where = { owner: 'acme', repo: 'app' };

const REBUILD_WORKFLOW = `on:
  workflow_dispatch:
    inputs:
      digest: { required: true }
jobs: {}
`;

describe('github adapter: statuses, checks and dispatches', () => {
  let server: GitHubTestServer;
  let github: GitHubPort;
  let asApp: GitHubPort;
  let head: string;

  before(async () => {
    server = await startGitHubServer();
    const created = await server.control.createRepo({
      owner: 'acme',
      name: 'app',
      files: {
        Dockerfile: 'FROM alpine\n',
        '.github/workflows/rebuild.yml': REBUILD_WORKFLOW,
        '.github/workflows/ci.yml': 'on: push\njobs: {}\n',
      },
    });
    head = created.sha;
    ({ github } = tokenAdapter(server));
    const app = server.control.registerApp({ slug: 'restack' });
    server.control.installApp({ appId: app.appId, account: 'acme' });
    asApp = adapterFor(server, {
      auth: { type: 'app', appId: app.appId, privateKey: app.privateKey },
      adapter: { workflowRunDetails: true },
    });
  });

  after(async () => {
    await server.stop();
  });

  it('sets a commit status the repository shows on that commit', async () => {
    await github.setCommitStatus(repo, head, {
      state: 'pending',
      context: 'restack/rebuild',
      description: 'waiting for parent images',
      targetUrl: 'https://restack.example.com/campaigns/1',
    });
    const statuses = server.control.statuses(where);
    assert.deepEqual(
      statuses.map((s) => [s.sha, s.state, s.context, s.targetUrl]),
      [[head, 'pending', 'restack/rebuild', 'https://restack.example.com/campaigns/1']],
    );
  });

  it('creates and completes a check run as a GitHub App', async () => {
    const run = await asApp.createCheckRun(repo, {
      name: 'restack',
      headSha: head,
      status: 'in_progress',
      title: 'Rebuilding',
      summary: '2 images in this wave',
    });
    assert.ok(run.htmlUrl);
    await asApp.updateCheckRun(repo, run.id, {
      conclusion: 'success',
      summary: 'all images rebuilt',
    });
    const [stored] = server.control.checkRuns(where);
    assert.equal(stored?.status, 'completed');
    assert.equal(stored?.conclusion, 'success');
    assert.equal(stored?.summary, 'all images rebuilt');
  });

  it('is refused a check run with a personal token, as GitHub refuses it', async () => {
    await assert.rejects(github.createCheckRun(repo, { name: 'restack', headSha: head }), {
      code: 'github.forbidden',
    });
  });

  it('dispatches a workflow and reports the run GitHub started', async () => {
    const run = await asApp.dispatchWorkflow(repo, {
      workflow: 'rebuild.yml',
      ref: 'main',
      inputs: { digest: 'sha256:abc' },
    });
    assert.equal(typeof run.runId, 'number');
    // Without run details (as on GHES) the dispatch still lands.
    const plain = await github.dispatchWorkflow(repo, {
      workflow: 'rebuild.yml',
      ref: 'main',
      inputs: { digest: 'sha256:def' },
    });
    assert.equal(plain.runId, undefined);
    const dispatches = server.control
      .dispatches(where)
      .filter((d) => d.kind === 'workflow_dispatch');
    assert.deepEqual(
      dispatches.map((d) => [d.target, d.ref, d.inputs, d.by]),
      [
        ['rebuild.yml', 'main', { digest: 'sha256:abc' }, 'restack[bot]'],
        ['rebuild.yml', 'main', { digest: 'sha256:def' }, 'restack-bot'],
      ],
    );
    assert.equal(dispatches[0]?.runId, run.runId);
  });

  it('says when a workflow cannot be dispatched, and records nothing', async () => {
    const before = server.control.dispatches(where).length;
    await assert.rejects(github.dispatchWorkflow(repo, { workflow: 'ci.yml', ref: 'main' }), {
      code: 'github.workflow-not-dispatchable',
    });
    await assert.rejects(github.dispatchWorkflow(repo, { workflow: 'missing.yml', ref: 'main' }), {
      code: 'github.not-found',
    });
    assert.equal(server.control.dispatches(where).length, before);
  });

  it('sends a repository_dispatch with its payload', async () => {
    await github.dispatchRepository(repo, {
      eventType: 'restack-rebuild',
      payload: { image: 'registry.example.com/app', digest: 'sha256:abc' },
    });
    const [event] = server.control
      .dispatches(where)
      .filter((d) => d.kind === 'repository_dispatch');
    assert.equal(event?.target, 'restack-rebuild');
    assert.deepEqual(event?.payload, { image: 'registry.example.com/app', digest: 'sha256:abc' });
  });
});
