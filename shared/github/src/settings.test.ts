import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '@restack/core';
import { githubConfigSchema } from './schema.js';
import { resolveGitHubSettings } from './settings.js';

const logger = silentLogger();

describe('githubConfigSchema', () => {
  it('fills in GitHub.com, token auth from GITHUB_TOKEN and GitHub-paced rate limits', () => {
    const config = githubConfigSchema.parse({});
    assert.equal(config.baseUrl, 'https://api.github.com');
    assert.deepEqual(config.auth, { type: 'token', tokenEnv: 'GITHUB_TOKEN' });
    assert.equal(config.rateLimit.writeIntervalMs, 1000);
    assert.equal(config.pullRequests.branchPrefix, 'restack/');
  });

  it('wants exactly one place for an app key', () => {
    const both = { auth: { type: 'app', appId: 1, privateKeyPath: 'k.pem', privateKeyEnv: 'KEY' } };
    assert.equal(githubConfigSchema.safeParse(both).success, false);
    const none = { auth: { type: 'app', appId: 1 } };
    assert.equal(githubConfigSchema.safeParse(none).success, false);
  });

  it('refuses a token written into the file in place of a variable name', () => {
    const result = githubConfigSchema.safeParse({
      auth: { type: 'token', tokenEnv: 'ghp_abc-123!' },
    });
    assert.equal(result.success, false);
  });
});

describe('resolveGitHubSettings', () => {
  it('reads the token from the named variable', () => {
    const config = githubConfigSchema.parse({ auth: { type: 'token', tokenEnv: 'RESTACK_GH' } });
    const settings = resolveGitHubSettings(config, { logger, env: { RESTACK_GH: 'ghp_x ' } });
    assert.deepEqual(settings.auth, { type: 'token', token: 'ghp_x' });
  });

  it('names the missing variable', () => {
    const config = githubConfigSchema.parse({});
    assert.throws(() => resolveGitHubSettings(config, { logger, env: {} }), {
      code: 'github.token-missing',
      message: 'GITHUB_TOKEN is not set',
    });
  });

  it('reads an app key from a file relative to the config, or from a variable', () => {
    const fromFile = githubConfigSchema.parse({
      auth: { type: 'app', appId: 7, privateKeyPath: 'keys/app.pem' },
    });
    const read: string[] = [];
    const settings = resolveGitHubSettings(fromFile, {
      logger,
      baseDir: '/etc/restack',
      readFile: (p) => (read.push(p), 'PEM'),
    });
    assert.deepEqual(read, ['/etc/restack/keys/app.pem']);
    assert.deepEqual(settings.auth, { type: 'app', appId: 7, privateKey: 'PEM' });
    const fromEnv = githubConfigSchema.parse({
      auth: { type: 'app', appId: 7, privateKeyEnv: 'KEY', installationId: 9 },
    });
    const env = { KEY: '-----BEGIN RSA PRIVATE KEY-----\\nabc\\n-----END RSA PRIVATE KEY-----' };
    const resolved = resolveGitHubSettings(fromEnv, { logger, env });
    assert.deepEqual(resolved.auth, {
      type: 'app',
      appId: 7,
      installationId: 9,
      privateKey: '-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----',
    });
  });

  it('names the key file it could not read', () => {
    const config = githubConfigSchema.parse({
      auth: { type: 'app', appId: 7, privateKeyPath: '/nope/app.pem' },
    });
    assert.throws(() => resolveGitHubSettings(config, { logger }), {
      code: 'github.app-key-missing',
      where: '/nope/app.pem',
    });
  });
});
