import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  convertToHostname,
  createDockerCredentialStore,
  dockerConfigPath,
} from './docker-config.js';

describe('Docker config.json credentials', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'restack-dockercfg-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function store(config: unknown, extraEnv: NodeJS.ProcessEnv = {}) {
    const cfgDir = await mkdtemp(join(dir, 'cfg-'));
    await writeFile(join(cfgDir, 'config.json'), JSON.stringify(config));
    return createDockerCredentialStore({
      DOCKER_CONFIG: cfgDir,
      PATH: process.env.PATH,
      ...extraEnv,
    });
  }

  it('reads DOCKER_CONFIG, else ~/.docker', () => {
    assert.equal(dockerConfigPath({ DOCKER_CONFIG: '/x' }), '/x/config.json');
    assert.equal(dockerConfigPath({ HOME: '/home/u' }), '/home/u/.docker/config.json');
  });

  it('decodes base64 auth, reads username/password and identity tokens', async () => {
    const s = await store({
      auths: {
        'localhost:5000': { auth: Buffer.from('alice:pa:ss').toString('base64') },
        'https://index.docker.io/v1/': { username: 'bob', password: 'pw' },
        'ghcr.io': { identitytoken: 'refresh-me' },
      },
    });
    assert.deepEqual(await s.get('localhost:5000'), { username: 'alice', password: 'pa:ss' });
    assert.deepEqual(await s.get('https://index.docker.io/v1/'), {
      username: 'bob',
      password: 'pw',
    });
    assert.deepEqual(await s.get('ghcr.io'), { identityToken: 'refresh-me' });
    assert.equal(await s.get('quay.io'), null);
  });

  it('matches legacy keys written as URLs by host', async () => {
    assert.equal(
      convertToHostname('https://registry.example.com:5000/v1/'),
      'registry.example.com:5000',
    );
    const s = await store({
      auths: { 'https://registry.example.com/v2/': { username: 'u', password: 'p' } },
    });
    assert.deepEqual(await s.get('registry.example.com'), { username: 'u', password: 'p' });
  });

  it('reports a broken auth field by file and key, never by value', async () => {
    const s = await store({
      auths: { 'localhost:5000': { auth: Buffer.from('no-colon-secret').toString('base64') } },
    });
    await assert.rejects(s.get('localhost:5000'), (e: Error) => {
      assert.match(e.message, /auths\["localhost:5000"\]\.auth/);
      assert.doesNotMatch(e.message, /no-colon-secret/);
      return true;
    });
  });

  it('asks a credential helper, which wins over auths, and reads <token> as an identity token', async () => {
    const bin = await mkdtemp(join(dir, 'bin-'));
    const helper = join(bin, 'docker-credential-unit');
    await writeFile(
      helper,
      '#!/bin/sh\nread server\nif [ "$1" != get ]; then exit 2; fi\n' +
        'case "$server" in\n  tok.example) echo \'{"ServerURL":"tok.example","Username":"<token>","Secret":"idt"}\' ;;\n' +
        '  user.example) echo \'{"ServerURL":"user.example","Username":"carol","Secret":"pw"}\' ;;\n' +
        '  *) echo "credentials not found in native keychain"; exit 1 ;;\nesac\n',
    );
    await chmod(helper, 0o755);
    const s = await store(
      {
        auths: { 'user.example': { username: 'ignored', password: 'ignored' } },
        credsStore: 'unit',
      },
      { PATH: `${bin}:${process.env.PATH ?? ''}` },
    );
    assert.deepEqual(await s.get('user.example'), { username: 'carol', password: 'pw' });
    assert.deepEqual(await s.get('tok.example'), { identityToken: 'idt' });
    assert.equal(await s.get('other.example'), null);
  });
});
