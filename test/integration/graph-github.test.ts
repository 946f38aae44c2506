import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '@restack/config';
import { graphIndexFor, graphJson, type GraphIndex } from '@restack/graph';
import { verifyPush } from '@restack/sources';
import { startGitHubServer, type GitHubTestServer } from '../github-server/index.js';
import { tokenAdapter } from '../github-server/clients.js';

// A GitHub organisation read through GitHubPort (list with filters, trees,
// contents at the default branch, no clone), then a verified push webhook.

const SECRET = 'graph-webhook-secret';

function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

describe('graph: github source', () => {
  let server: GitHubTestServer;
  let dir: string;
  let index: GraphIndex;

  before(async () => {
    server = await startGitHubServer({ pageSize: 2 });
    const c = server.control;
    await c.createRepo({
      owner: 'acme',
      name: 'base',
      topics: ['docker'],
      files: { Dockerfile: 'FROM debian:bookworm\n', 'README.md': '# base\n' },
    });
    await c.createRepo({
      owner: 'acme',
      name: 'app',
      topics: ['docker'],
      defaultBranch: 'trunk',
      files: {
        'svc/Dockerfile': 'FROM registry.example.com/platform/base:1\n',
        'docker-bake.json': JSON.stringify({
          target: { svc: { context: 'svc', tags: ['registry.example.com/apps/svc:1'] } },
        }),
      },
    });
    await c.createRepo({
      owner: 'acme',
      name: 'old',
      topics: ['docker'],
      archived: true,
      files: { Dockerfile: 'FROM centos:7\n' },
    });
    await c.createRepo({ owner: 'acme', name: 'notes', files: { Dockerfile: 'FROM alpine\n' } });
    dir = await mkdtemp(path.join(tmpdir(), 'restack-graph-gh-'));
    const loaded = parseConfig(
      [
        'sources:',
        '  - github: { org: acme, name: gh, topics: [docker] }',
        'images:',
        '  - name: registry.example.com/platform/base',
        "    tags: ['1']",
        '    dockerfile: gh/base/Dockerfile',
      ].join('\n'),
      path.join(dir, 'restack.yaml'),
    );
    index = graphIndexFor(loaded, { github: tokenAdapter(server).github });
    await index.indexAll();
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await server.stop();
  });

  it('lists the organisation with its filters and reads files at the default branch', () => {
    const graph = graphJson(index.graph());
    // old is archived and notes lacks the topic: neither is read.
    assert.deepEqual(
      graph.nodes.map((n) => n.dockerfile),
      ['gh/app/svc/Dockerfile', 'gh/base/Dockerfile'],
    );
    assert.deepEqual(
      graph.edges.map((e) => [e.from, e.to]),
      [['gh/base/Dockerfile', 'gh/app/svc/Dockerfile']],
    );
    const svc = graph.nodes.find((n) => n.dockerfile === 'gh/app/svc/Dockerfile');
    assert.deepEqual(svc?.images, [
      {
        name: 'registry.example.com/apps/svc',
        tags: ['1'],
        source: 'bake',
        file: 'gh/app/docker-bake.json',
      },
    ]);
    assert.deepEqual(graph.errors, []);
    const ops = new Set(server.requests().map((r) => r.operationId));
    assert.ok(ops.has('git/get-tree') && ops.has('repos/get-content'), [...ops].join(', '));
    assert.ok(!server.requests().some((r) => r.operationId === 'repos/download-tarball-archive'));
  });

  it('applies a push webhook with a valid signature: only the pushed files are read', async () => {
    await server.control.pushCommit({
      owner: 'acme',
      repo: 'app',
      branch: 'trunk',
      files: {
        'worker/Dockerfile': 'FROM registry.example.com/apps/svc:1\n',
        'svc/Dockerfile': null,
      },
    });
    const after = await server.control.branchSha({ owner: 'acme', repo: 'app', branch: 'trunk' });
    const body = JSON.stringify({
      ref: 'refs/heads/trunk',
      before: 'a'.repeat(40),
      after,
      repository: { full_name: 'acme/app' },
      commits: [
        { added: ['worker/Dockerfile'], modified: ['README.md'], removed: ['svc/Dockerfile'] },
      ],
    });
    const readsBefore = server
      .requests()
      .filter((r) => r.operationId === 'repos/get-content').length;
    const delta = await index.push(await verifyPush(SECRET, body, sign(body)));
    const reads =
      server.requests().filter((r) => r.operationId === 'repos/get-content').length - readsBefore;
    assert.equal(reads, 2, 'worker/Dockerfile and svc/Dockerfile; README.md is not indexed');
    assert.deepEqual(delta, {
      repository: 'acme/app',
      changedFiles: ['gh/app/svc/Dockerfile', 'gh/app/worker/Dockerfile'],
      nodes: { added: ['gh/app/worker/Dockerfile'], removed: [] },
      // svc/Dockerfile no longer depends on base; worker depends on svc's image.
      edges: {
        added: [{ from: 'gh/app/svc/Dockerfile', to: 'gh/app/worker/Dockerfile' }],
        removed: [{ from: 'gh/base/Dockerfile', to: 'gh/app/svc/Dockerfile' }],
      },
    });
    // The bake file still names svc/Dockerfile: it stays a node and is reported as missing.
    assert.deepEqual(
      index.graph().errors.map((e) => [e.file, e.message]),
      [['gh/app/svc/Dockerfile', 'cannot read: the file does not exist']],
    );
  });

  it('refuses a push webhook whose signature does not match', async () => {
    const body = JSON.stringify({
      ref: 'refs/heads/trunk',
      before: 'a',
      after: 'b',
      repository: { full_name: 'acme/app' },
      commits: [],
    });
    await assert.rejects(verifyPush(SECRET, body, sign(body, 'another-secret')), {
      code: 'sources.webhook-signature',
    });
    await assert.rejects(verifyPush(SECRET, body, undefined), {
      code: 'sources.webhook-signature',
    });
  });

  it('ignores a push to another branch', async () => {
    const body = JSON.stringify({
      ref: 'refs/heads/feature',
      before: 'a'.repeat(40),
      after: 'b'.repeat(40),
      repository: { full_name: 'acme/app' },
      commits: [{ added: ['x/Dockerfile'] }],
    });
    assert.equal(await index.push(await verifyPush(SECRET, body, sign(body))), undefined);
  });
});
