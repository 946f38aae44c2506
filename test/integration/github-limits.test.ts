import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { GitHubAuth } from '@restack/github';
import { startGitHubServer, type GitHubTestServer } from '../github-server/index.js';
import { adapterFor, captureLog, clientFor } from '../github-server/clients.js';

// Rate limits, server errors, and the OpenAPI checks that keep the test server honest.

const repo = { owner: 'acme', repo: 'app' };

describe('github client: rate limits and validation', () => {
  let server: GitHubTestServer;
  let auth: GitHubAuth;

  before(async () => {
    server = await startGitHubServer();
    await server.control.createRepo({
      owner: 'acme',
      name: 'app',
      files: { Dockerfile: 'FROM alpine\n' },
    });
    auth = { type: 'token', token: server.control.createUserToken({ login: 'restack-bot' }) };
  });

  beforeEach(() => {
    server.control.clearFaults();
  });

  after(async () => {
    await server.stop();
  });

  function attempts(operationId: string, from: number) {
    return server.requests().filter((r) => r.seq > from && r.operationId === operationId);
  }

  function lastSeq(): number {
    return server.requests().at(-1)?.seq ?? 0;
  }

  it('sends rate-limit headers with every answer, counting down per caller', async () => {
    const headers = { authorization: auth.type === 'token' ? `token ${auth.token}` : '' };
    const first = await fetch(`${server.url}/repos/acme/app`, { headers });
    const missing = await fetch(`${server.url}/repos/acme/nope`, { headers });
    assert.equal(first.status, 200);
    assert.equal(missing.status, 404);
    for (const res of [first, missing]) {
      assert.equal(res.headers.get('x-ratelimit-limit'), '5000');
      assert.match(res.headers.get('x-ratelimit-reset') ?? '', /^\d+$/);
      assert.equal(res.headers.get('x-ratelimit-resource'), 'core');
    }
    const remaining = (r: Response) => Number(r.headers.get('x-ratelimit-remaining'));
    assert.equal(remaining(first) - remaining(missing), 1);
  });

  it('waits out a secondary rate limit (403, retry-after) and succeeds', async () => {
    const log = captureLog();
    const github = adapterFor(server, { auth, log });
    server.control.injectFault({
      kind: 'secondary-rate-limit',
      status: 403,
      retryAfter: 1,
      operationId: 'repos/get',
    });
    const start = lastSeq();
    assert.equal((await github.getRepository(repo)).fullName, 'acme/app');
    assert.deepEqual(
      attempts('repos/get', start).map((r) => [r.status, r.fault]),
      [
        [403, 'secondary-rate-limit'],
        [200, undefined],
      ],
    );
    const line = log.lines().find((l) => l.includes('waiting before retrying'));
    assert.match(line ?? '', /"kind":"secondary"/);
  });

  it('treats a 429 the same way', async () => {
    const github = adapterFor(server, { auth });
    server.control.injectFault({
      kind: 'secondary-rate-limit',
      status: 429,
      retryAfter: 1,
      operationId: 'git/get-ref',
    });
    const start = lastSeq();
    await github.getBranchHead(repo, 'main');
    assert.deepEqual(
      attempts('git/get-ref', start).map((r) => r.status),
      [429, 200],
    );
  });

  it('waits for the primary rate limit to reset and succeeds', async () => {
    const github = adapterFor(server, { auth });
    server.control.injectFault({ kind: 'primary-rate-limit', operationId: 'repos/get' });
    const start = lastSeq();
    await github.getRepository(repo);
    assert.deepEqual(
      attempts('repos/get', start).map((r) => r.status),
      [403, 200],
    );
  });

  it('gives up with a clear error instead of retrying without bound', async () => {
    const github = adapterFor(server, { auth, rateLimit: { maxRetries: 0 } });
    server.control.injectFault({
      kind: 'secondary-rate-limit',
      retryAfter: 1,
      operationId: 'repos/get',
    });
    await assert.rejects(github.getRepository(repo), { code: 'github.rate-limited' });
    const patient = adapterFor(server, { auth, rateLimit: { maxWaitSeconds: 60 } });
    server.control.injectFault({
      kind: 'secondary-rate-limit',
      retryAfter: 3600,
      operationId: 'repos/get',
    });
    const start = lastSeq();
    await assert.rejects(patient.getRepository(repo), { code: 'github.rate-limited' });
    assert.equal(attempts('repos/get', start).length, 1, 'an hour is longer than it will wait');
  });

  it('retries a 502 and succeeds', async () => {
    const github = adapterFor(server, { auth });
    server.control.injectFault({ kind: 'server-error', status: 502, operationId: 'repos/get' });
    const start = lastSeq();
    await github.getRepository(repo);
    assert.deepEqual(
      attempts('repos/get', start).map((r) => r.status),
      [502, 200],
    );
  });

  it('catches a malformed response with the OpenAPI description', async () => {
    const github = adapterFor(server, { auth, retries: 0 });
    server.control.injectFault({
      kind: 'malformed-response',
      operationId: 'git/get-ref',
      pointer: '/object/sha',
    });
    await assert.rejects(github.getBranchHead(repo, 'main'), (e: unknown) => {
      assert.equal((e as { code: string }).code, 'github.server-error');
      assert.match((e as Error).message, /does not match git\/get-ref/);
      return true;
    });
    const [violation, ...more] = server.takeViolations();
    assert.equal(more.length, 0);
    assert.match(violation ?? '', /response\.object\.sha: required property is missing/);
  });

  it('catches a wrong type the same way', async () => {
    const github = adapterFor(server, { auth, retries: 0 });
    server.control.injectFault({
      kind: 'malformed-response',
      operationId: 'repos/get',
      pointer: '/default_branch',
      value: 42,
    });
    await assert.rejects(github.getRepository(repo), { code: 'github.server-error' });
    assert.match(
      server.takeViolations().join('\n'),
      /response\.default_branch: expected string, got 42/,
    );
  });

  it("stops a malformed answer at the adapter's own boundary check too", async () => {
    const github = adapterFor(server, { auth });
    server.control.injectFault({
      kind: 'malformed-response',
      operationId: 'git/get-ref',
      pointer: '/object/sha',
      validate: false,
    });
    await assert.rejects(github.getBranchHead(repo, 'main'), {
      code: 'github.unexpected-response',
      message: /object\.sha/,
    });
  });

  it('refuses a request that breaks the description, and records it', async () => {
    const octokit = clientFor(server, { auth }).forOwner('acme');
    // A plain string route opts out of Octokit's types, which would refuse this body.
    const route: string = 'POST /repos/{owner}/{repo}/git/refs';
    await assert.rejects(
      octokit.request(route, { owner: 'acme', repo: 'app', ref: 'refs/heads/x' }),
      {
        status: 422,
      },
    );
    assert.match(
      server.takeViolations().join('\n'),
      /request git\/create-ref: body\.sha: required property is missing/,
    );
  });

  it('answers a route GitHub does not have with 404, and records it', async () => {
    const octokit = clientFor(server, { auth }).forOwner('acme');
    await assert.rejects(
      octokit.request('GET /repos/{owner}/{repo}/no-such-thing', { owner: 'acme', repo: 'app' }),
      {
        status: 404,
      },
    );
    assert.match(
      server.takeViolations().join('\n'),
      /GET \/repos\/acme\/app\/no-such-thing: no such operation/,
    );
  });
});
