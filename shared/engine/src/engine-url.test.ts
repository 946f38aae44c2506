import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRestackError } from '@restack/core';
import { defaultSocketPaths, parseEngineUrl, resolveEngineUrl } from './engine-url.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isRestackError(e)) return e.code;
    throw e;
  }
  assert.fail('expected an error');
}

describe('parseEngineUrl', () => {
  it('reads a unix socket', () => {
    assert.deepEqual(parseEngineUrl('unix:///run/podman/podman.sock'), {
      kind: 'unix',
      socketPath: '/run/podman/podman.sock',
      url: 'unix:///run/podman/podman.sock',
    });
  });

  it('reads tcp host and port, IPv6 included', () => {
    assert.deepEqual(parseEngineUrl('tcp://127.0.0.1:2375'), {
      kind: 'tcp',
      host: '127.0.0.1',
      port: 2375,
      url: 'tcp://127.0.0.1:2375',
    });
    const v6 = parseEngineUrl('tcp://[::1]:2376');
    assert.equal(v6.kind, 'tcp');
    assert.equal(v6.kind === 'tcp' && v6.host, '::1');
  });

  it('refuses what it cannot connect to, with a fix', () => {
    for (const bad of [
      'unix://relative.sock',
      'tcp://host',
      'tcp://host:2375/path',
      'http://host:2375',
      '/var/run/docker.sock',
      'tcp://h:99999',
    ]) {
      assert.equal(
        codeOf(() => parseEngineUrl(bad)),
        'ENGINE_URL_INVALID',
        bad,
      );
    }
    try {
      parseEngineUrl('ssh://me@host');
    } catch (e) {
      assert.ok(isRestackError(e));
      assert.match(e.message, /scheme "ssh" is not supported/);
      assert.equal(e.where, '--engine');
      assert.match(e.fix ?? '', /unix:\/\/\//);
    }
  });
});

describe('resolveEngineUrl', () => {
  const none = () => false;

  it('prefers --engine, then DOCKER_HOST', () => {
    const env = { DOCKER_HOST: 'tcp://10.0.0.1:2375' };
    assert.equal(
      resolveEngineUrl({ flag: 'unix:///a.sock', env, exists: none }).url,
      'unix:///a.sock',
    );
    assert.equal(resolveEngineUrl({ env, exists: none }).url, 'tcp://10.0.0.1:2375');
  });

  it('names DOCKER_HOST when it is malformed', () => {
    try {
      resolveEngineUrl({ env: { DOCKER_HOST: 'nonsense' }, exists: none });
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(isRestackError(e));
      assert.equal(e.where, 'DOCKER_HOST');
    }
  });

  it('falls back to the usual sockets in order', () => {
    const env = { XDG_RUNTIME_DIR: '/run/user/1000' };
    assert.deepEqual(defaultSocketPaths(env), [
      '/var/run/docker.sock',
      '/run/user/1000/podman/podman.sock',
      '/run/podman/podman.sock',
    ]);
    const only = (path: string) => (p: string) => p === path;
    assert.equal(
      resolveEngineUrl({ env, exists: only('/run/podman/podman.sock') }).url,
      'unix:///run/podman/podman.sock',
    );
    assert.equal(
      resolveEngineUrl({ env, exists: only('/run/user/1000/podman/podman.sock') }).url,
      'unix:///run/user/1000/podman/podman.sock',
    );
    assert.equal(resolveEngineUrl({ env, exists: () => true }).url, 'unix:///var/run/docker.sock');
  });

  it('says what it tried when nothing is there', () => {
    try {
      resolveEngineUrl({ env: {}, exists: none });
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(isRestackError(e));
      assert.equal(e.code, 'ENGINE_NOT_FOUND');
      assert.match(e.message, /\/var\/run\/docker\.sock, \/run\/podman\/podman\.sock/);
    }
  });
});
