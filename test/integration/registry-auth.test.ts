import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@restack/core';
import {
  createRegistryClient,
  type RegistryClient,
  type RegistryClientOptions,
} from '@restack/registry';
import { pushImage, type PushedImage } from '../harness/images.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { startTokenServer, type TestTokenServer } from '../harness/token-server.js';

const USER = 'alice';
const PASSWORD = 's3cret-pw-4711';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let tmp: string;
const clients: RegistryClient[] = [];

/** A DOCKER_CONFIG folder holding `config`, and a client that reads it (with `bin` first on PATH). */
async function clientWith(
  host: string,
  config: unknown,
  extra: Partial<RegistryClientOptions> = {},
  bin?: string,
) {
  const dir = await mkdtemp(join(tmp, 'docker-'));
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  const path = bin ? `${bin}:${process.env.PATH ?? ''}` : process.env.PATH;
  const c = createRegistryClient({
    registries: { [host]: { insecure: true, retries: 1 } },
    env: { DOCKER_CONFIG: dir, PATH: path, HOME: tmp },
    ...extra,
  });
  clients.push(c);
  return c;
}

/** Logs at debug level into a string, to check that no secret reaches them. */
function capturedLogger() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString('utf8')));
  return { logger: createLogger({ level: 'debug', destination: stream }), text: () => text };
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'restack-auth-'));
});

after(async () => {
  for (const c of clients) c.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('a registry with htpasswd Basic auth', () => {
  let reg: TestRegistry;
  let image: PushedImage;

  before(async () => {
    reg = await startRegistry({ htpasswd: { [USER]: PASSWORD } });
    image = await pushImage(
      reg.url,
      'private/app',
      '1',
      { layers: [{ files: { p: '1' } }] },
      { authorization: basic(USER, PASSWORD) },
    );
  });
  after(async () => reg.close());

  it('refuses an anonymous lookup with a sentence naming registry and reference', async () => {
    const c = await clientWith(reg.host, {});
    const r = await c.resolve(`${reg.host}/private/app:1`);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.kind, 'unauthorized');
    assert.match(
      !r.ok ? r.reason : '',
      new RegExp(`registry ${reg.host} refused access to ${reg.host}/private/app:1`),
    );
  });

  it('uses base64 `auth` from DOCKER_CONFIG, then sends Basic up front', async () => {
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    const c = await clientWith(reg.host, { auths: { [reg.host]: { auth } } });
    const r = await c.resolve(`${reg.host}/private/app:1`);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.value.digest, image.digest);
    await c.resolve(`${reg.host}/private/app:1`);
    assert.equal(c.requestCount({ method: 'HEAD', status: 401 }), 1);
    assert.equal(c.requestCount({ method: 'HEAD', status: 200 }), 2);
  });

  it('reads DOCKER_CONFIG from the environment, else ~/.docker/config.json', async () => {
    const auths = { [reg.host]: { username: USER, password: PASSWORD } };
    const dockerDir = await mkdtemp(join(tmp, 'env-'));
    await writeFile(join(dockerDir, 'config.json'), JSON.stringify({ auths }));
    const saved = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = dockerDir;
    try {
      const c = createRegistryClient({ registries: { [reg.host]: { insecure: true } } });
      clients.push(c);
      const r = await c.resolve(`${reg.host}/private/app:1`);
      assert.ok(r.ok, r.ok ? '' : r.reason);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = saved;
    }
    const home = await mkdtemp(join(tmp, 'home-'));
    await mkdir(join(home, '.docker'));
    await writeFile(join(home, '.docker', 'config.json'), JSON.stringify({ auths }));
    const c = createRegistryClient({
      registries: { [reg.host]: { insecure: true } },
      env: { HOME: home },
    });
    clients.push(c);
    const r = await c.resolve(`${reg.host}/private/app:1`);
    assert.ok(r.ok, r.ok ? '' : r.reason);
  });

  it('uses username and password fields', async () => {
    const c = await clientWith(reg.host, {
      auths: { [`http://${reg.host}`]: { username: USER, password: PASSWORD } },
    });
    const r = await c.resolve(`${reg.host}/private/app:1`);
    assert.ok(r.ok, r.ok ? '' : r.reason);
  });

  it('asks a credHelpers program with `get` and the server on stdin, and a credsStore one', async () => {
    const bin = join(tmp, 'bin');
    await mkdir(bin, { recursive: true });
    const seen = join(tmp, 'helper-seen');
    await writeFile(
      join(bin, 'docker-credential-test'),
      `#!/bin/sh\nserver=$(cat)\nprintf '%s %s\\n' "$1" "$server" >> '${seen}'\n` +
        `if [ "$1" = get ] && [ "$server" = '${reg.host}' ]; then\n` +
        `  printf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}' "$server"\n` +
        `else\n  echo 'credentials not found in native keychain'; exit 1\nfi\n`,
    );
    await chmod(join(bin, 'docker-credential-test'), 0o755);
    const helped = await clientWith(reg.host, { credHelpers: { [reg.host]: 'test' } }, {}, bin);
    const r = await helped.resolve(`${reg.host}/private/app:1`);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    const stored = await clientWith(
      reg.host,
      { credsStore: 'test', auths: { [reg.host]: {} } },
      {},
      bin,
    );
    const s = await stored.resolve(`${reg.host}/private/app:1`);
    assert.ok(s.ok, s.ok ? '' : s.reason);
    assert.equal(await readFile(seen, 'utf8'), `get ${reg.host}\nget ${reg.host}\n`);
  });

  it('says which helper is missing', async () => {
    const c = await clientWith(reg.host, { credHelpers: { [reg.host]: 'absent' } });
    const r = await c.resolve(`${reg.host}/private/app:1`);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.kind, 'credentials');
    assert.match(!r.ok ? r.reason : '', /docker-credential-absent was not found on PATH/);
  });

  it('fails on a wrong password without the secret in the reason or the logs', async () => {
    const secret = 'wrong-but-secret-pw';
    const logs = capturedLogger();
    const c = await clientWith(
      reg.host,
      { auths: { [reg.host]: { username: USER, password: secret } } },
      { logger: logs.logger },
    );
    const r = await c.resolve(`${reg.host}/private/app:1`);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.kind, 'unauthorized');
    const encoded = Buffer.from(`${USER}:${secret}`).toString('base64');
    for (const text of [!r.ok ? r.reason : '', logs.text()]) {
      assert.ok(!text.includes(secret) && !text.includes(encoded));
    }
    assert.match(logs.text(), /registry request/);
  });
});

describe('a registry with token auth', () => {
  let tokens: TestTokenServer;
  let reg: TestRegistry;
  let image: PushedImage;

  before(async () => {
    tokens = await startTokenServer({
      users: { [USER]: PASSWORD },
      refreshTokens: { 'refresh-abc': USER },
      anonymousPull: false,
    });
    reg = await startRegistry({ token: tokens });
    const push = (repo: string) =>
      `Bearer ${tokens.mint([{ type: 'repository', name: repo, actions: ['pull', 'push'] }])}`;
    image = await pushImage(
      reg.url,
      'team/app',
      '1',
      { layers: [{ files: { t: '1' } }] },
      { authorization: push('team/app') },
    );
    for (const tag of ['2', '3', '4', '5']) {
      await pushImage(
        reg.url,
        'team/app',
        tag,
        { layers: [{ files: { t: tag } }] },
        { authorization: push('team/app') },
      );
    }
    await pushImage(
      reg.url,
      'team/other',
      '1',
      { layers: [{ files: { o: '1' } }] },
      { authorization: push('team/other') },
    );
  });
  after(async () => {
    await reg.close();
    await tokens.close();
  });

  it('fetches one token per scope for concurrent lookups and caches it', async () => {
    tokens.requests.length = 0;
    const c = await clientWith(reg.host, {
      auths: { [reg.host]: { username: USER, password: PASSWORD } },
    });
    const refs = ['1', '2', '3', '4', '5'].map((t) => `${reg.host}/team/app:${t}`);
    const results = await Promise.all(refs.map((ref) => c.resolve(ref)));
    assert.ok(results.every((r) => r.ok));
    assert.equal(results[0]?.ok && results[0].value.digest, image.digest);
    assert.equal(c.requestCount({ kind: 'token' }), 1);
    const headsBefore = c.requestCount({ method: 'HEAD' });
    await c.resolve(`${reg.host}/team/app:1`);
    assert.equal(
      c.requestCount({ method: 'HEAD' }),
      headsBefore + 1,
      'the cached token went with the first HEAD',
    );
    await c.resolve(`${reg.host}/team/other:1`);
    assert.equal(c.requestCount({ kind: 'token' }), 2, 'another repository is another scope');
    assert.deepEqual(
      tokens.requests.map((r) => [r.user, r.scopes]),
      [
        [USER, ['repository:team/app:pull']],
        [USER, ['repository:team/other:pull']],
      ],
    );
  });

  it('asks for a new token once the cached one has expired', async () => {
    let clock = Date.now();
    const c = await clientWith(
      reg.host,
      { auths: { [reg.host]: { username: USER, password: PASSWORD } } },
      { tokenClock: () => clock },
    );
    await c.resolve(`${reg.host}/team/app:1`);
    await c.resolve(`${reg.host}/team/app:2`);
    assert.equal(c.requestCount({ kind: 'token' }), 1);
    clock += 301_000; // the token server says expires_in 300
    const r = await c.resolve(`${reg.host}/team/app:3`);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(c.requestCount({ kind: 'token' }), 2);
  });

  it('trades an identitytoken at the OAuth2 endpoint', async () => {
    tokens.requests.length = 0;
    const c = await clientWith(reg.host, {
      auths: { [reg.host]: { identitytoken: 'refresh-abc' } },
    });
    const r = await c.resolve(`${reg.host}/team/app:1`);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.deepEqual(
      tokens.requests.map((t) => [t.method, t.grantType, t.user]),
      [['POST', 'refresh_token', USER]],
    );
  });

  it('reports refused credentials and a denied anonymous pull as unauthorized', async () => {
    const wrong = await clientWith(reg.host, {
      auths: { [reg.host]: { username: USER, password: 'nope' } },
    });
    const r = await wrong.resolve(`${reg.host}/team/app:1`);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.kind, 'unauthorized');
    assert.match(
      !r.ok ? r.reason : '',
      /token server http:\/\/127\.0\.0\.1:\d+ for registry .* refused the stored credentials/,
    );
    const anonymous = await clientWith(reg.host, {});
    const a = await anonymous.resolve(`${reg.host}/team/app:1`);
    assert.equal(!a.ok && a.kind, 'unauthorized');
  });
});
