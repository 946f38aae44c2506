import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GitHubPort, RepoRef } from '@restack/github';
import { startGitHubServer, type GitHubTestServer } from '../github-server/index.js';
import { tokenAdapter } from '../github-server/clients.js';

// The rebuild pull request flow: branch, commit, PR, find-and-update, merge.

const repo: RepoRef = { owner: 'acme', repo: 'app' };
const where = { owner: 'acme', repo: 'app' };
const branch = 'restack/debian-bookworm';

describe('github adapter: branches, commits and pull requests', () => {
  let server: GitHubTestServer;
  let github: GitHubPort;

  before(async () => {
    server = await startGitHubServer();
    await server.control.createRepo({
      owner: 'acme',
      name: 'app',
      files: {
        Dockerfile: 'FROM debian:bookworm@sha256:aaa\n',
        'bin/run.sh': '#!/bin/sh\n',
        'old.txt': 'x',
      },
    });
    ({ github } = tokenAdapter(server, 'restack-bot'));
  });

  after(async () => {
    await server.stop();
  });

  it('commits a change on a new branch without touching the default branch', async () => {
    const head = await github.getBranchHead(repo);
    const commit = await github.createCommit(repo, {
      parentSha: head.sha,
      message: 'Rebuild on debian:bookworm@sha256:bbb',
      changes: [
        { path: 'Dockerfile', content: 'FROM debian:bookworm@sha256:bbb\n' },
        { path: 'assets/logo.bin', content: new Uint8Array([0, 255, 1, 254]) },
        { path: 'old.txt', content: null },
      ],
      author: { name: 'restack', email: 'restack@example.com' },
    });
    await github.createBranch(repo, branch, commit.sha);

    const onBranch = await server.control.readBranch({ ...where, branch });
    assert.equal(onBranch.Dockerfile, 'FROM debian:bookworm@sha256:bbb\n');
    assert.equal(onBranch['old.txt'], undefined);
    assert.equal(onBranch['bin/run.sh'], '#!/bin/sh\n');
    const logo = await github.readFile(repo, 'assets/logo.bin', branch);
    assert.deepEqual([...(logo?.content ?? [])], [0, 255, 1, 254]);
    const main = await server.control.readBranch({ ...where, branch: 'main' });
    assert.equal(main.Dockerfile, 'FROM debian:bookworm@sha256:aaa\n');
    await assert.rejects(github.createBranch(repo, branch, commit.sha), {
      code: 'github.branch-exists',
    });
  });

  it('opens a pull request and finds it again by head branch', async () => {
    assert.equal(await github.findOpenPullRequest(repo, branch), undefined);
    const opened = await github.openPullRequest(repo, {
      head: branch,
      base: 'main',
      title: 'Rebuild on debian:bookworm',
      body: 'Base image moved.',
    });
    assert.equal(opened.state, 'open');
    assert.equal(opened.head.branch, branch);
    const found = await github.findOpenPullRequest(repo, branch);
    assert.equal(found?.number, opened.number);
    await assert.rejects(
      github.openPullRequest(repo, { head: branch, base: 'main', title: 'again', body: '' }),
      { code: 'github.pull-request-exists' },
    );
  });

  it('updates the existing pull request instead of opening a second one', async () => {
    const existing = await github.findOpenPullRequest(repo, branch);
    assert.ok(existing);
    const head = await github.getBranchHead(repo, branch);
    const next = await github.createCommit(repo, {
      parentSha: head.sha,
      message: 'Rebuild on debian:bookworm@sha256:ccc',
      changes: [{ path: 'Dockerfile', content: 'FROM debian:bookworm@sha256:ccc\n' }],
    });
    await github.updateBranch(repo, branch, next.sha);
    const updated = await github.updatePullRequest(repo, existing.number, {
      title: 'Rebuild on debian:bookworm (ccc)',
    });
    assert.equal(updated.number, existing.number);
    assert.equal(updated.head.sha, next.sha);
    const pulls = server.control.pullRequests(where);
    assert.equal(pulls.length, 1);
    assert.equal(pulls[0]?.title, 'Rebuild on debian:bookworm (ccc)');
  });

  it('refuses to move a branch backwards unless forced', async () => {
    const main = await github.getBranchHead(repo, 'main');
    await assert.rejects(github.updateBranch(repo, branch, main.sha), {
      code: 'github.not-fast-forward',
    });
    const before = await server.control.branchSha({ ...where, branch });
    assert.notEqual(before, main.sha);
  });

  it('comments, labels and asks for reviewers on the pull request', async () => {
    const pr = await github.findOpenPullRequest(repo, branch);
    assert.ok(pr);
    const comment = await github.comment(repo, pr.number, 'Rebuilt parents first.');
    assert.match(comment.htmlUrl, new RegExp(`/issues/${pr.number}#issuecomment-${comment.id}$`));
    const labels = await github.addLabels(repo, pr.number, ['restack', 'dependencies']);
    assert.deepEqual(labels.sort(), ['dependencies', 'restack']);
    await github.requestReviewers(repo, pr.number, { users: ['alice'], teams: ['platform'] });
    const stored = server.control.pullRequests(where)[0];
    assert.deepEqual(stored?.requestedReviewers, ['alice']);
    assert.deepEqual(stored?.requestedTeams, ['platform']);
    assert.deepEqual((await github.getPullRequest(repo, pr.number)).labels.sort(), [
      'dependencies',
      'restack',
    ]);
    const comments = server.control.comments(where);
    assert.deepEqual(
      comments.map((c) => [c.body, c.user.login]),
      [['Rebuilt parents first.', 'restack-bot']],
    );
  });

  it('sees the base branch change when a human merges the pull request', async () => {
    const pr = await github.findOpenPullRequest(repo, branch);
    assert.ok(pr);
    await server.control.pushCommit({
      ...where,
      branch: 'main',
      files: { 'NOTES.md': 'unrelated\n' },
    });
    const mergeSha = await server.control.mergePullRequest({
      ...where,
      number: pr.number,
      method: 'squash',
    });
    const merged = await github.getPullRequest(repo, pr.number);
    assert.equal(merged.state, 'closed');
    assert.equal(merged.merged, true);
    assert.equal(merged.mergeCommitSha, mergeSha);
    const head = await github.getBranchHead(repo);
    assert.equal(head.sha, mergeSha);
    const dockerfile = await github.readFile(repo, 'Dockerfile', 'main');
    assert.equal(
      Buffer.from(dockerfile?.content ?? []).toString(),
      'FROM debian:bookworm@sha256:ccc\n',
    );
    assert.equal((await server.control.readBranch(where))['NOTES.md'], 'unrelated\n');
    assert.equal(await github.findOpenPullRequest(repo, branch), undefined);
  });

  it('makes a real merge commit with two parents', async () => {
    const main = await github.getBranchHead(repo);
    const change = await github.createCommit(repo, {
      parentSha: main.sha,
      message: 'Second rebuild',
      changes: [{ path: 'Dockerfile', content: 'FROM debian:bookworm@sha256:ddd\n' }],
    });
    await github.createBranch(repo, 'restack/second', change.sha);
    const pr = await github.openPullRequest(repo, {
      head: 'restack/second',
      base: 'main',
      title: 'Second',
      body: '',
    });
    const mergeSha = await server.control.mergePullRequest({
      ...where,
      number: pr.number,
      method: 'merge',
    });
    const commit = await server.control.readCommit({ ...where, sha: mergeSha });
    assert.deepEqual(commit.parents, [main.sha, change.sha]);
    assert.match(commit.message, /^Merge pull request #\d+ from acme\/restack\/second/);
    assert.equal((await github.getBranchHead(repo)).sha, mergeSha);
    assert.equal(
      (await server.control.readBranch(where)).Dockerfile,
      'FROM debian:bookworm@sha256:ddd\n',
    );
  });

  it('closes a pull request and deletes its branch', async () => {
    const main = await github.getBranchHead(repo);
    const change = await github.createCommit(repo, {
      parentSha: main.sha,
      message: 'Superseded rebuild',
      changes: [{ path: 'Dockerfile', content: 'FROM debian:bookworm@sha256:eee\n' }],
    });
    await github.createBranch(repo, 'restack/superseded', change.sha);
    const pr = await github.openPullRequest(repo, {
      head: 'restack/superseded',
      base: 'main',
      title: 'x',
      body: '',
    });
    const closed = await github.closePullRequest(repo, pr.number);
    assert.equal(closed.state, 'closed');
    assert.equal(closed.merged, false);
    await github.deleteBranch(repo, 'restack/superseded');
    await github.deleteBranch(repo, 'restack/superseded');
    assert.ok(!(await server.control.listBranches(where)).includes('restack/superseded'));
  });
});
