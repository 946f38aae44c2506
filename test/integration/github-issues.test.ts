import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GitHubPort, RepoRef } from '@restack/github';
import { startGitHubServer, type GitHubTestServer } from '../github-server/index.js';
import { tokenAdapter } from '../github-server/clients.js';

// Issues through the production adapter, against the local server that checks every
// request and response against GitHub's OpenAPI description.

const repo: RepoRef = { owner: 'acme', repo: 'app' };

describe('github adapter: issues', () => {
  let server: GitHubTestServer;
  let github: GitHubPort;

  before(async () => {
    // Two per page, so listing has to follow the link headers.
    server = await startGitHubServer({ pageSize: 2 });
    await server.control.createRepo({
      owner: 'acme',
      name: 'app',
      files: { Dockerfile: 'FROM debian:bookworm\n' },
    });
    ({ github } = tokenAdapter(server, 'restack-bot'));
    // A pull request: GitHub's issues list includes it; the port must not.
    const head = await github.getBranchHead(repo);
    const commit = await github.createCommit(repo, {
      parentSha: head.sha,
      message: 'change',
      changes: [{ path: 'Dockerfile', content: 'FROM debian:trixie\n' }],
    });
    await github.createBranch(repo, 'feature', commit.sha);
    await github.openPullRequest(repo, { head: 'feature', base: 'main', title: 'A PR', body: '' });
  });

  after(async () => {
    await server.stop(); // throws if any request or response broke the OpenAPI description
  });

  it('creates, lists (all pages, no pull requests), finds by title or label, and updates in place', async () => {
    const dashboard = await github.createIssue(repo, {
      title: 'Base image dashboard',
      body: 'first',
      labels: ['restack', 'dashboard'],
    });
    assert.equal(dashboard.number, 2, 'issues and pull requests share one number sequence');
    assert.deepEqual(dashboard.labels, ['restack', 'dashboard']);
    const other = await github.createIssue(repo, { title: 'Unrelated', body: 'x' });
    await github.createIssue(repo, { title: 'Also unrelated', body: 'y', labels: ['restack'] });

    const open = await github.listIssues(repo);
    assert.deepEqual(
      open.map((i) => i.number),
      [2, 3, 4],
      'three issues over two pages, pull request #1 left out, lowest number first',
    );
    const labelled = await github.listIssues(repo, { labels: ['restack', 'dashboard'] });
    assert.deepEqual(
      labelled.map((i) => i.number),
      [2],
    );
    assert.equal((await github.findIssue(repo, 'Base image dashboard'))?.number, 2);
    assert.equal(
      await github.findIssue(repo, 'Base image dashboard', { labels: ['nope'] }),
      undefined,
    );

    const updated = await github.updateIssue(repo, dashboard.number, { body: 'second' });
    assert.equal(updated.body, 'second');
    assert.equal(updated.title, 'Base image dashboard');
    const stored = server.control.issues({ owner: 'acme', repo: 'app' });
    assert.equal(stored.length, 3, 'updated in place, not duplicated');
    assert.equal(stored.find((i) => i.number === 2)?.body, 'second');

    await github.updateIssue(repo, other.number, { state: 'closed' });
    assert.deepEqual(
      (await github.listIssues(repo)).map((i) => i.number),
      [2, 4],
    );
    assert.deepEqual(
      (await github.listIssues(repo, { state: 'closed' })).map((i) => [i.number, i.state]),
      [[3, 'closed']],
    );
    await assert.rejects(github.updateIssue(repo, 99, { body: 'z' }), { code: 'github.not-found' });
    const ops = new Set(server.requests().map((r) => r.operationId));
    for (const op of ['issues/list-for-repo', 'issues/create', 'issues/update'])
      assert.ok(ops.has(op), op);
    assert.deepEqual(server.violations(), []);
  });
});
