import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gitEnv, redactUrl } from './git-cli.js';
import { isIndexedPath } from './files.js';
import { defaultGitName, repositoryOfUrl } from './git.js';
import { pushChange } from './push.js';

describe('isIndexedPath', () => {
  it('keeps Dockerfiles and catalog files, nothing else', () => {
    for (const p of [
      'Dockerfile',
      'svc/api.Dockerfile',
      'svc/Containerfile',
      'compose.yaml',
      'a/docker-compose.override.yml',
      'a/.env',
      'docker-bake.hcl',
      'app/.github/workflows/build.yml',
    ])
      assert.ok(isIndexedPath(p), p);
    for (const p of ['README.md', 'a/.dockerignore', '.github/build.yml', 'workflows/x.yml'])
      assert.ok(!isIndexedPath(p), p);
  });
});

describe('pushChange', () => {
  const base = {
    ref: 'refs/heads/main',
    before: 'a'.repeat(40),
    after: 'b'.repeat(40),
    repository: { full_name: 'acme/app' },
  };
  it('joins the files of every commit', () => {
    const push = pushChange({
      ...base,
      commits: [
        { added: ['x/Dockerfile'], modified: [], removed: [] },
        { added: [], modified: ['README.md'], removed: ['x/Dockerfile'] },
      ],
    });
    assert.deepEqual(push, {
      repository: 'acme/app',
      ref: 'refs/heads/main',
      after: 'b'.repeat(40),
      paths: ['README.md', 'x/Dockerfile'],
    });
  });
  it('cannot list files after a forced push, a new branch or 20 commits', () => {
    assert.equal(pushChange({ ...base, forced: true, commits: [] }).paths, null);
    assert.equal(pushChange({ ...base, before: '0'.repeat(40), commits: [] }).paths, null);
    const many = Array.from({ length: 20 }, () => ({ added: ['Dockerfile'] }));
    assert.equal(pushChange({ ...base, commits: many }).paths, null);
  });
  it('rejects a payload that is not a push', () => {
    assert.throws(() => pushChange({ zen: 'hi' }), { code: 'sources.webhook-payload' });
  });
});

describe('git credentials', () => {
  it('hands HTTPS credentials to git through GIT_ASKPASS, never as arguments', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'restack-askpass-'));
    try {
      const env = await gitEnv({
        helperDir: dir,
        credentials: { usernameEnv: 'U', passwordEnv: 'P' },
        env: { U: 'bot', P: 's3cret' },
      });
      const helper = env.GIT_ASKPASS!;
      assert.ok(!helper.includes('s3cret'));
      assert.equal(
        execFileSync(helper, ["Username for 'https://git.example'"], { env, encoding: 'utf8' }),
        'bot\n',
      );
      assert.equal(
        execFileSync(helper, ["Password for 'https://bot@git.example'"], { env, encoding: 'utf8' }),
        's3cret\n',
      );
      await assert.rejects(
        gitEnv({ helperDir: dir, credentials: { usernameEnv: 'U', passwordEnv: 'P' }, env: {} }),
        { code: 'sources.credentials-missing' },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('uses the SSH key through GIT_SSH_COMMAND', async () => {
    const env = await gitEnv({ helperDir: tmpdir(), credentials: { sshKeyPath: "/keys/it's" } });
    assert.match(env.GIT_SSH_COMMAND ?? '', /^ssh -i '\/keys\/it'\\''s' -o IdentitiesOnly=yes/);
  });
  it('removes user and password from URLs in messages', () => {
    assert.equal(
      redactUrl('fatal: unable to access https://bot:s3cret@git.example/x.git/'),
      'fatal: unable to access https://***@git.example/x.git/',
    );
  });
  it('names sources from their URL', () => {
    assert.equal(defaultGitName('https://git.example/platform/images.git'), 'images');
    assert.equal(defaultGitName('git@git.example:platform/images.git'), 'images');
    assert.equal(
      repositoryOfUrl('https://git.example/platform/images.git', 'images'),
      'platform/images',
    );
  });
});
