import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createGitHubClient } from '@restack/github';
import { startGitHubServer, type GitHubTestServer } from '../github-server/index.js';
import { adapterFor, captureLog, tokenAdapter } from '../github-server/clients.js';

// GitHub App authentication end to end, and secrets staying out of logs and errors.

const acmeApp = { owner: 'acme', repo: 'app' };

describe('github client: authentication', () => {
  let server: GitHubTestServer;
  let app: { appId: number; privateKey: string };
  let acmeInstallation: number;

  before(async () => {
    server = await startGitHubServer();
    await server.control.createRepo({
      owner: 'acme',
      name: 'app',
      files: { Dockerfile: 'FROM alpine\n' },
    });
    await server.control.createRepo({
      owner: 'alice',
      ownerType: 'User',
      name: 'tools',
      files: { a: 'b' },
    });
    await server.control.createRepo({ owner: 'other', name: 'secret', files: { a: 'b' } });
    app = server.control.registerApp({ slug: 'restack' });
    acmeInstallation = server.control.installApp({ appId: app.appId, account: 'acme' });
    server.control.installApp({ appId: app.appId, account: 'alice', accountType: 'User' });
  });

  after(async () => {
    await server.stop();
  });

  function since(seq: number) {
    return server.requests().filter((r) => r.seq > seq);
  }

  function lastSeq(): number {
    return server.requests().at(-1)?.seq ?? 0;
  }

  it('trades a JWT for an installation token once, then reuses it', async () => {
    const start = lastSeq();
    const github = adapterFor(server, {
      auth: { type: 'app', appId: app.appId, privateKey: app.privateKey },
    });
    await github.getRepository(acmeApp);
    await github.getBranchHead(acmeApp, 'main');
    const seen = since(start).map((r) => [r.operationId, r.identity.split(':')[0]]);
    assert.deepEqual(seen, [
      ['apps/get-org-installation', 'app'],
      ['apps/create-installation-access-token', 'app'],
      ['repos/get', 'installation'],
      ['git/get-ref', 'installation'],
      ['git/get-commit', 'installation'],
    ]);
  });

  it('finds a user account installation after the organisation lookup misses', async () => {
    const start = lastSeq();
    const github = adapterFor(server, {
      auth: { type: 'app', appId: app.appId, privateKey: app.privateKey },
    });
    const repos = await github.listRepositories('alice');
    assert.deepEqual(
      repos.map((r) => r.repo),
      ['tools'],
    );
    const lookups = since(start).filter((r) => r.operationId?.startsWith('apps/'));
    assert.deepEqual(
      lookups.map((r) => [r.operationId, r.status]),
      [
        ['apps/get-org-installation', 404],
        ['apps/get-user-installation', 200],
        ['apps/create-installation-access-token', 201],
      ],
    );
  });

  it('uses a configured installation id without looking it up', async () => {
    const installationId = server.control.installApp({ appId: app.appId, account: 'acme-eu' });
    await server.control.createRepo({ owner: 'acme-eu', name: 'api', files: { a: 'b' } });
    const start = lastSeq();
    const github = adapterFor(server, {
      auth: { type: 'app', appId: app.appId, privateKey: app.privateKey, installationId },
    });
    await github.getRepository({ owner: 'acme-eu', repo: 'api' });
    assert.deepEqual(
      since(start).map((r) => r.operationId),
      ['apps/create-installation-access-token', 'repos/get'],
    );
  });

  it('fetches a new token when GitHub stops accepting the cached one', async () => {
    const github = adapterFor(server, {
      auth: { type: 'app', appId: app.appId, privateKey: app.privateKey },
    });
    await github.getRepository(acmeApp);
    server.control.revokeInstallationTokens();
    const start = lastSeq();
    const repo = await github.getRepository(acmeApp);
    assert.equal(repo.fullName, 'acme/app');
    assert.deepEqual(
      since(start).map((r) => [r.operationId, r.status]),
      [
        ['repos/get', 401],
        ['apps/create-installation-access-token', 201],
        ['repos/get', 200],
      ],
    );
  });

  it('says so when the app is not installed on an account', async () => {
    const github = adapterFor(server, {
      auth: { type: 'app', appId: app.appId, privateKey: app.privateKey },
    });
    await assert.rejects(github.getRepository({ owner: 'other', repo: 'secret' }), {
      code: 'github.app-not-installed',
      where: 'other',
    });
  });

  it('reaches only the installation account with an installation token', async () => {
    const github = adapterFor(server, {
      auth: {
        type: 'app',
        appId: app.appId,
        privateKey: app.privateKey,
        installationId: acmeInstallation,
      },
    });
    await assert.rejects(github.getRepository({ owner: 'other', repo: 'secret' }), {
      code: 'github.not-found',
    });
  });

  it('is refused with a key that is not the app key', async () => {
    const stranger = server.control.registerApp({ slug: 'stranger' });
    const github = adapterFor(server, {
      auth: { type: 'app', appId: app.appId, privateKey: stranger.privateKey },
    });
    await assert.rejects(github.getRepository(acmeApp), { code: 'github.unauthorized' });
  });

  it('says which setting is wrong when the key is not a key', () => {
    assert.throws(
      () =>
        createGitHubClient({
          baseUrl: server.url,
          auth: { type: 'app', appId: app.appId, privateKey: 'not a pem' },
          logger: captureLog().logger,
        }),
      { code: 'github.app-key-invalid', where: 'github.auth.privateKey' },
    );
  });

  it('never puts a token or key in a log line or an error', async () => {
    const log = captureLog();
    const { token, github } = tokenAdapter(server, 'restack-bot', log);
    const asApp = adapterFor(server, {
      auth: { type: 'app', appId: app.appId, privateKey: app.privateKey },
      log,
    });
    await github.getRepository(acmeApp);
    await asApp.getRepository(acmeApp);
    server.control.injectFault({
      kind: 'secondary-rate-limit',
      retryAfter: 1,
      operationId: 'repos/get',
    });
    await asApp.getRepository(acmeApp);
    const errors: unknown[] = [];
    await github
      .getRepository({ owner: 'acme', repo: 'missing' })
      .catch((e: unknown) => errors.push(e));
    await asApp.createBranch(acmeApp, 'x', 'f'.repeat(40)).catch((e: unknown) => errors.push(e));
    assert.equal(errors.length, 2);
    const keyBody = app.privateKey.split('\n')[1] ?? '';
    const secrets = [token, ...server.control.issuedInstallationTokens(), keyBody];
    const seen = [
      ...log.lines(),
      ...errors.map((e) => inspect(e, { depth: 10 }) + JSON.stringify(e)),
    ];
    assert.ok(
      log.lines().some((l) => l.includes('github rate limit')),
      'the rate limit was logged',
    );
    for (const secret of secrets) {
      assert.ok(secret.length > 10);
      assert.ok(
        !seen.some((text) => text.includes(secret)),
        'a secret reached a log line or error',
      );
    }
  });
});
