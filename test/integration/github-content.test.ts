import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { GitHubPort } from '@restack/github';
import { startGitHubServer, type GitHubTestServer } from '../github-server/index.js';
import { tokenAdapter } from '../github-server/clients.js';

// Repositories, trees, file contents and tarballs through the Octokit adapter.

describe('github adapter: repositories and content', () => {
  let server: GitHubTestServer;
  let github: GitHubPort;
  let fixtures: string;

  before(async () => {
    // A page size of 2 makes every listing below span several pages.
    server = await startGitHubServer({ pageSize: 2 });
    fixtures = await mkdtemp(join(tmpdir(), 'restack-gh-fixture-'));
    await mkdir(join(fixtures, 'services', 'api'), { recursive: true });
    await writeFile(join(fixtures, 'Dockerfile'), 'FROM debian:bookworm\n');
    await writeFile(join(fixtures, 'services', 'api', 'Dockerfile'), 'FROM node:20\nRUN npm ci\n');
    await writeFile(join(fixtures, 'README.md'), '# app\n');
    const c = server.control;
    await c.createRepo({
      owner: 'acme',
      name: 'app',
      fromDir: fixtures,
      topics: ['docker', 'platform'],
    });
    await c.createRepo({
      owner: 'acme',
      name: 'svc-billing',
      files: { Dockerfile: 'FROM alpine\n' },
      topics: ['docker'],
    });
    await c.createRepo({
      owner: 'acme',
      name: 'svc-legacy',
      files: { Dockerfile: 'FROM centos:7\n' },
      archived: true,
    });
    await c.createRepo({ owner: 'acme', name: 'svc-fork', files: { a: 'b' }, fork: true });
    await c.createRepo({
      owner: 'acme',
      name: 'docs',
      files: { 'index.md': 'hi' },
      defaultBranch: 'trunk',
    });
    await c.createRepo({ owner: 'alice', ownerType: 'User', name: 'dotfiles', files: { x: 'y' } });
    ({ github } = tokenAdapter(server));
  });

  after(async () => {
    await rm(fixtures, { recursive: true, force: true });
    await server.stop();
  });

  it('lists an organisation, leaving out archived repos and forks by default', async () => {
    const repos = await github.listRepositories('acme');
    assert.deepEqual(repos.map((r) => r.repo).sort(), ['app', 'docs', 'svc-billing']);
    const pages = server.requests().filter((r) => r.operationId === 'repos/list-for-org');
    assert.equal(pages.length, 3, 'five repositories at two per page');
  });

  it('filters by archived, forks, topics and name pattern', async () => {
    const all = await github.listRepositories('acme', {
      includeArchived: true,
      includeForks: true,
    });
    assert.equal(all.length, 5);
    const docker = await github.listRepositories('acme', {
      topics: ['docker'],
      includeArchived: true,
    });
    assert.deepEqual(docker.map((r) => r.repo).sort(), ['app', 'svc-billing']);
    const svc = await github.listRepositories('acme', { name: 'svc-*', includeArchived: true });
    assert.deepEqual(svc.map((r) => r.repo).sort(), ['svc-billing', 'svc-legacy']);
  });

  it('lists a user account through the users route', async () => {
    const repos = await github.listRepositories('alice');
    assert.deepEqual(
      repos.map((r) => r.fullName),
      ['alice/dotfiles'],
    );
  });

  it('reads the default branch, its head and the recursive tree', async () => {
    const repo = { owner: 'acme', repo: 'app' };
    const head = await github.getBranchHead(repo);
    assert.equal(head.branch, 'main');
    assert.equal(
      head.sha,
      await server.control.branchSha({ owner: 'acme', repo: 'app', branch: 'main' }),
    );
    const tree = await github.getTree(repo, head.sha);
    assert.equal(tree.truncated, false);
    const dockerfiles = tree.entries.filter(
      (e) => e.type === 'blob' && /(^|\/)Dockerfile$/.test(e.path),
    );
    assert.deepEqual(dockerfiles.map((e) => e.path).sort(), [
      'Dockerfile',
      'services/api/Dockerfile',
    ]);
    assert.ok(tree.entries.some((e) => e.type === 'tree' && e.path === 'services/api'));
    const docs = await github.getBranchHead({ owner: 'acme', repo: 'docs' });
    assert.equal(docs.branch, 'trunk');
  });

  it('reads files at a ref, by path and by blob', async () => {
    const repo = { owner: 'acme', repo: 'app' };
    const file = await github.readFile(repo, 'services/api/Dockerfile', 'main');
    assert.ok(file);
    assert.equal(Buffer.from(file.content).toString(), 'FROM node:20\nRUN npm ci\n');
    const blob = await github.readBlob(repo, file.sha);
    assert.equal(Buffer.from(blob).toString(), 'FROM node:20\nRUN npm ci\n');
    assert.equal(await github.readFile(repo, 'no/such/Dockerfile', 'main'), undefined);
    await assert.rejects(github.readFile(repo, 'services', 'main'), { code: 'github.not-a-file' });
  });

  it('reads a file over 1 MB, which the contents API sends without content', async () => {
    const big = 'x'.repeat(1024 * 1024 + 10);
    await server.control.pushCommit({
      owner: 'acme',
      repo: 'docs',
      branch: 'trunk',
      files: { 'big.txt': big },
    });
    const start = server.requests().length;
    const file = await github.readFile({ owner: 'acme', repo: 'docs' }, 'big.txt', 'trunk');
    assert.equal(file?.content.length, big.length);
    const used = server
      .requests()
      .slice(start)
      .map((r) => r.operationId);
    assert.deepEqual(used, ['repos/get-content', 'git/get-blob']);
  });

  it('sees a file as it was at an older ref after a human pushes', async () => {
    const repo = { owner: 'acme', repo: 'app' };
    const before = await github.getBranchHead(repo);
    await server.control.pushCommit({
      owner: 'acme',
      repo: 'app',
      branch: 'main',
      files: { Dockerfile: 'FROM debian:trixie\n' },
    });
    const now = await github.readFile(repo, 'Dockerfile', 'main');
    const then = await github.readFile(repo, 'Dockerfile', before.sha);
    assert.equal(Buffer.from(now?.content ?? []).toString(), 'FROM debian:trixie\n');
    assert.equal(Buffer.from(then?.content ?? []).toString(), 'FROM debian:bookworm\n');
  });

  it('downloads a tarball of a ref following the codeload redirect', async () => {
    const tarball = await github.downloadTarball({ owner: 'acme', repo: 'svc-billing' }, 'main');
    const tar = gunzipSync(tarball).toString('latin1');
    assert.match(tar, /acme-svc-billing-[0-9a-f]{7}\/Dockerfile/);
    assert.match(tar, /FROM alpine/);
  });

  it('offers the control API over HTTP too', async () => {
    const call = async (name: string, arg: unknown) => {
      const res = await fetch(`${server.url}/_control/${name}`, {
        method: 'POST',
        body: JSON.stringify(arg),
      });
      return {
        status: res.status,
        json: (await res.json()) as { result?: unknown; message?: string },
      };
    };
    const files = await call('readBranch', { owner: 'acme', repo: 'svc-billing' });
    assert.deepEqual(files.json.result, { Dockerfile: 'FROM alpine\n' });
    const missing = await call('readBranch', { owner: 'acme', repo: 'nope' });
    assert.equal(missing.status, 400);
    assert.match(missing.json.message ?? '', /no repository acme\/nope/);
  });

  it('names the call and the fix when a repository does not exist', async () => {
    await assert.rejects(github.getRepository({ owner: 'acme', repo: 'nope' }), (e: unknown) => {
      const err = e as { code: string; where: string; fix: string };
      assert.equal(err.code, 'github.not-found');
      assert.match(err.where, /\/repos\/acme\/nope$/);
      assert.ok(err.fix.length > 0);
      return true;
    });
  });
});
