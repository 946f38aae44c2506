import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRestackError } from '@restack/core';
import {
  buildAndPush,
  contextFromFolder,
  createDockerodeEngine,
  parseEngineUrl,
} from '@restack/engine';
import { createFetchImageSource, diffInventories, readInventory } from '@restack/inventory';
import {
  dpkgParagraph,
  moveBaseTag,
  pushBaseImage,
  type BaseImageSpec,
} from '../harness/base-images.js';
import { pushImage, pushIndex } from '../harness/images.js';
import { startPodman, type TestPodman } from '../harness/podman.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { startTokenServer, type TestTokenServer } from '../harness/token-server.js';

const names = (packages: Array<{ name: string; version: string }>) =>
  packages.map((p) => `${p.name}=${p.version}`);

describe('package inventories read from a registry', () => {
  let registry: TestRegistry;
  const source = createFetchImageSource();

  before(async () => {
    registry = await startRegistry();
  });
  after(async () => {
    await registry?.close();
  });

  it('reads Alpine images and orders apk versions the apk way', async () => {
    const v1: BaseImageSpec = {
      db: 'apk',
      packages: [
        { name: 'musl', version: '1.2.4_git20230717-r4' },
        { name: 'openssl', version: '3.1.4-r5' },
        { name: 'busybox', version: '1.36.1-r15' },
      ],
    };
    const first = await pushBaseImage(registry.url, 'alpine', '3', v1);
    const { image: second } = await moveBaseTag(registry.url, 'alpine', '3', v1, {
      openssl: '3.1.4_p1-r0',
      busybox: '1.36.1-r2',
    });
    const before = await readInventory(source, `${registry.host}/alpine@${first.digest}`);
    const after = await readInventory(source, `${registry.host}/alpine:3`);
    assert.equal(after.digest, second.digest);
    assert.deepEqual(names(before.packages), [
      'busybox=1.36.1-r15',
      'musl=1.2.4_git20230717-r4',
      'openssl=3.1.4-r5',
    ]);
    assert.ok(before.packages.every((p) => p.source === 'apk'));
    assert.deepEqual(diffInventories(before.packages, after.packages), {
      added: [],
      removed: [],
      upgraded: [{ name: 'openssl', from: '3.1.4-r5', to: '3.1.4_p1-r0' }],
      downgraded: [{ name: 'busybox', from: '1.36.1-r15', to: '1.36.1-r2' }],
    });
  });

  it('picks the requested platform from an image index', async () => {
    const layer = (name: string, version: string) => ({
      layers: [{ files: { 'var/lib/dpkg/status': `${dpkgParagraph({ name, version })}\n` } }],
    });
    await pushIndex(registry.url, 'multi', '1', {
      'linux/amd64': layer('libc6', '2.36-9'),
      'linux/arm64/v8': layer('libc6', '2.36-9+arm'),
    });
    const amd64 = await readInventory(source, `${registry.host}/multi:1`);
    const arm64 = await readInventory(source, `${registry.host}/multi:1`, {
      platform: 'linux/arm64',
    });
    assert.deepEqual(names(amd64.packages), ['libc6=2.36-9']);
    assert.deepEqual(names(arm64.packages), ['libc6=2.36-9+arm']);
    assert.notEqual(amd64.digest, arm64.digest);
  });

  it('says when the image does not exist', async () => {
    await assert.rejects(readInventory(source, `${registry.host}/nothing:1`), (e: unknown) => {
      assert.ok(isRestackError(e));
      assert.equal(e.code, 'INVENTORY_NOT_FOUND');
      return true;
    });
  });
});

describe('whiteouts written by a real build (podman)', () => {
  let registry: TestRegistry;
  let podman: TestPodman;
  let dir: string;

  before(async () => {
    registry = await startRegistry();
    podman = await startPodman({ insecureRegistries: [registry.host] });
    dir = await mkdtemp(join(tmpdir(), 'restack-inventory-'));
  });
  after(async () => {
    await podman?.close();
    await registry?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a package whose status.d file a RUN step deleted is gone; one it added is there', async () => {
    const base = await pushBaseImage(registry.url, 'distroless', '12', {
      db: 'dpkg-status.d',
      packages: [
        { name: 'base-files', version: '12.4+deb12u5' },
        { name: 'tzdata', version: '2024a-0+deb12u1' },
        { name: 'libssl3', version: '3.0.11-1~deb12u2' },
      ],
    });
    const from = `${registry.host}/distroless@${base.digest}`;
    // The build deletes one database file (a `.wh.` entry in the new layer)
    // and writes another, as `dpkg --remove` and `dpkg --install` would.
    const added = dpkgParagraph({ name: 'ca-certificates', version: '20230311' }).replace(
      /\n/g,
      '\\n',
    );
    await writeFile(
      join(dir, 'Dockerfile'),
      `FROM ${from}\nRUN rm /var/lib/dpkg/status.d/tzdata && printf '${added}\\n' > /var/lib/dpkg/status.d/ca-certificates\n`,
    );
    const engine = createDockerodeEngine({ endpoint: parseEngineUrl(podman.url) });
    const child = await buildAndPush(engine, {
      context: contextFromFolder(dir),
      tags: [`${registry.host}/app:1`],
    });
    const source = createFetchImageSource();
    const before = await readInventory(source, from);
    const after = await readInventory(source, `${registry.host}/app@${child.digest}`);
    assert.deepEqual(names(before.packages), [
      'base-files=12.4+deb12u5',
      'libssl3=3.0.11-1~deb12u2',
      'tzdata=2024a-0+deb12u1',
    ]);
    assert.deepEqual(diffInventories(before.packages, after.packages), {
      added: [{ name: 'ca-certificates', version: '20230311' }],
      removed: [{ name: 'tzdata', version: '2024a-0+deb12u1' }],
      upgraded: [],
      downgraded: [],
    });
  });
});

describe('reading from registries that need credentials', () => {
  let basic: TestRegistry;
  let tokens: TestTokenServer;
  let tokenRegistry: TestRegistry;
  const layers = [
    {
      files: { 'var/lib/dpkg/status': `${dpkgParagraph({ name: 'libc6', version: '2.36-9' })}\n` },
    },
  ];

  before(async () => {
    basic = await startRegistry({ htpasswd: { reader: 'r3ader-pass' } });
    tokens = await startTokenServer({ users: { reader: 'r3ader-pass' }, anonymousPull: false });
    tokenRegistry = await startRegistry({ token: tokens });
  });
  after(async () => {
    await basic?.close();
    await tokenRegistry?.close();
    await tokens?.close();
  });

  it('uses Basic credentials, and says so when they are missing', async () => {
    const authorization = `Basic ${Buffer.from('reader:r3ader-pass').toString('base64')}`;
    await pushImage(basic.url, 'team/base', '1', { layers }, { authorization });
    const anonymous = createFetchImageSource();
    await assert.rejects(readInventory(anonymous, `${basic.host}/team/base:1`), (e: unknown) => {
      assert.ok(isRestackError(e));
      assert.match(e.message, /HTTP 401/);
      assert.match(e.fix ?? '', /credentials/);
      return true;
    });
    const withCredentials = createFetchImageSource({
      credentials: (host) =>
        host === basic.host ? { username: 'reader', password: 'r3ader-pass' } : undefined,
    });
    const inventory = await readInventory(withCredentials, `${basic.host}/team/base:1`);
    assert.deepEqual(names(inventory.packages), ['libc6=2.36-9']);
  });

  it('trades credentials for a bearer token from the token server', async () => {
    const push = `Bearer ${tokens.mint([{ type: 'repository', name: 'team/base', actions: ['pull', 'push'] }])}`;
    await pushImage(tokenRegistry.url, 'team/base', '1', { layers }, { authorization: push });
    tokens.requests.length = 0;
    const source = createFetchImageSource({
      credentials: () => ({ username: 'reader', password: 'r3ader-pass' }),
    });
    const inventory = await readInventory(source, `${tokenRegistry.host}/team/base:1`);
    assert.deepEqual(names(inventory.packages), ['libc6=2.36-9']);
    // One token for the repository's pull scope, reused for the config and layer blobs.
    assert.deepEqual(
      tokens.requests.map((r) => [r.user, r.scopes, r.status]),
      [['reader', ['repository:team/base:pull'], 200]],
    );
  });
});
