import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRegistryClient, type RegistryClient } from '@restack/registry';
import { pushImage, sha256, type PushedImage } from '../harness/images.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { startTokenServer, type TestTokenServer } from '../harness/token-server.js';

const USER = 'gate';
const PASSWORD = 'gate-pw-99';

describe('the writes a promotion gate needs, through token auth', () => {
  let tokens: TestTokenServer;
  let reg: TestRegistry;
  let tmp: string;
  let base: PushedImage;
  const clients: RegistryClient[] = [];

  async function client(auths: Record<string, unknown>): Promise<RegistryClient> {
    const dir = await mkdtemp(join(tmp, 'docker-'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ auths }));
    const c = createRegistryClient({
      registries: { [reg.host]: { insecure: true, retries: 1 } },
      env: { DOCKER_CONFIG: dir },
    });
    clients.push(c);
    return c;
  }

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'restack-writes-'));
    tokens = await startTokenServer({ users: { [USER]: PASSWORD } });
    reg = await startRegistry({ token: tokens });
    const auth = `Bearer ${tokens.mint([{ type: 'repository', name: 'src/base', actions: ['pull', 'push'] }])}`;
    base = await pushImage(
      reg.url,
      'src/base',
      '1',
      { layers: [{ files: { 'etc/base': 'b' } }, { files: { 'etc/more': 'm' } }] },
      { authorization: auth },
    );
  });

  after(async () => {
    for (const c of clients) c.close();
    await reg.close();
    await tokens.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('mounts blobs across repositories, checks them, and puts the manifest under a new tag', async () => {
    const c = await client({ [reg.host]: { username: USER, password: PASSWORD } });
    const dst = `${reg.host}/dst/base`;
    const src = `${reg.host}/src/base`;
    const first = base.layers[0]?.digest ?? '';
    const before1 = await c.blobExists(dst, first);
    assert.ok(before1.ok, before1.ok ? '' : before1.reason);
    assert.equal(before1.value, false);

    tokens.requests.length = 0;
    for (const digest of [...base.layers.map((l) => l.digest), base.configDigest]) {
      const m = await c.mountBlob(dst, digest, src);
      assert.ok(m.ok, m.ok ? '' : m.reason);
      assert.equal(m.value.mounted, true);
    }
    assert.deepEqual(tokens.requests[0]?.scopes, [
      'repository:dst/base:pull,push',
      'repository:src/base:pull',
    ]);
    const after1 = await c.blobExists(dst, first);
    assert.equal(after1.ok && after1.value, true);

    const put = await c.putManifest(`${dst}:promoted`, base.manifest);
    assert.ok(put.ok, put.ok ? '' : put.reason);
    assert.equal(put.value.digest, base.digest);
    const r = await c.resolve(`${dst}:promoted`);
    assert.equal(r.ok && r.value.digest, base.digest);
  });

  it('reports an unmountable blob as not mounted', async () => {
    const c = await client({ [reg.host]: { username: USER, password: PASSWORD } });
    const m = await c.mountBlob(
      `${reg.host}/dst/other`,
      sha256('no such blob'),
      `${reg.host}/src/base`,
    );
    assert.ok(m.ok, m.ok ? '' : m.reason);
    assert.equal(m.value.mounted, false);
  });

  it('fails a manifest whose blobs the repository lacks, and a push without push access', async () => {
    const c = await client({ [reg.host]: { username: USER, password: PASSWORD } });
    const orphan = await c.putManifest(`${reg.host}/empty/repo:1`, base.manifest);
    assert.equal(orphan.ok, false);
    assert.match(!orphan.ok ? orphan.reason : '', /MANIFEST_BLOB_UNKNOWN/);

    const anonymous = await client({});
    const denied = await anonymous.putManifest(`${reg.host}/src/base:2`, base.manifest);
    assert.equal(denied.ok, false);
    assert.equal(!denied.ok && denied.kind, 'unauthorized');
  });

  it('refuses to mount across registries', async () => {
    const c = await client({});
    const m = await c.mountBlob(`${reg.host}/dst/x`, base.configDigest, 'ghcr.io/some/repo');
    assert.equal(m.ok, false);
    assert.equal(!m.ok && m.kind, 'invalid-reference');
  });
});
