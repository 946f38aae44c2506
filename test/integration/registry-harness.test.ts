import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { pushImage, sha256, tagDigest } from '../harness/images.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

interface Envelope {
  events: Array<{
    action: string;
    target: { repository: string; tag?: string; digest: string; mediaType: string };
  }>;
}

async function entries(
  layer: Buffer,
): Promise<Map<string, { type: string; linkname: string | null; mode: number; content: Buffer }>> {
  const out = new Map<
    string,
    { type: string; linkname: string | null; mode: number; content: Buffer }
  >();
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      const h = entry.header;
      out.set(h.name, {
        type: h.type ?? 'file',
        linkname: h.linkname ?? null,
        mode: h.mode ?? 0,
        content: Buffer.concat(chunks),
      });
    }
  })();
  extract.end(layer);
  await done;
  return out;
}

describe('the registry test harness', () => {
  let reg: TestRegistry;
  let listener: Server;
  const envelopes: Envelope[] = [];

  before(async () => {
    listener = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        envelopes.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Envelope);
        res.writeHead(200);
        res.end();
      });
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const address = listener.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    reg = await startRegistry({ notifications: [{ url: `http://127.0.0.1:${port}/events` }] });
  });

  after(async () => {
    await reg.close();
    listener.closeAllConnections();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });

  it('pushes a busybox layer and a dpkg status file that a build could RUN on', async () => {
    const status = 'Package: base-files\nStatus: install ok installed\nVersion: 12.4\n\n';
    const image = await pushImage(reg.url, 'base/debianish', '12', {
      layers: [{ busybox: true }, { files: { 'var/lib/dpkg/status': status } }],
      config: { env: ['PATH=/bin'], user: '0', exposedPorts: ['8080/tcp'], labels: { a: 'b' } },
    });
    const [busyboxLayer, dpkgLayer] = image.layers;
    const blob = await fetch(`${reg.url}/v2/base/debianish/blobs/${busyboxLayer?.digest}`).then(
      async (r) => Buffer.from(await r.arrayBuffer()),
    );
    assert.equal(sha256(blob), busyboxLayer?.digest);
    const tarball = gunzipSync(blob);
    assert.equal(
      sha256(tarball),
      busyboxLayer?.diffId,
      'diff_id is the sha256 of the uncompressed tar',
    );
    const files = await entries(tarball);
    assert.equal(files.get('bin/busybox')?.mode, 0o755);
    assert.ok((files.get('bin/busybox')?.content.length ?? 0) > 100_000);
    assert.deepEqual(
      [files.get('bin/sh')?.type, files.get('bin/sh')?.linkname],
      ['symlink', 'busybox'],
    );

    const dpkgBlob = await fetch(`${reg.url}/v2/base/debianish/blobs/${dpkgLayer?.digest}`).then(
      async (r) => Buffer.from(await r.arrayBuffer()),
    );
    const dpkg = await entries(gunzipSync(dpkgBlob));
    assert.equal(dpkg.get('var/lib/dpkg/status')?.content.toString('utf8'), status);
    assert.ok(dpkg.has('var/lib/dpkg/'), 'parent folders are in the layer');

    const config = image.config as {
      config: Record<string, unknown>;
      rootfs: { diff_ids: string[] };
    };
    assert.deepEqual(config.rootfs.diff_ids, image.diffIds);
    assert.deepEqual(config.config.ExposedPorts, { '8080/tcp': {} });
  });

  it('makes reproducible digests from the same content', async () => {
    const spec = {
      layers: [{ files: { x: 'same' } }],
      config: { created: '2025-01-01T00:00:00Z' },
    };
    const a = await pushImage(reg.url, 'repro/a', '1', spec);
    const b = await pushImage(reg.url, 'repro/b', '1', spec);
    assert.equal(a.digest, b.digest);
  });

  it('has the registry POST real push events to a notifications endpoint', async () => {
    const image = await pushImage(reg.url, 'notify/me', 'v1', { layers: [{ files: { n: '1' } }] });
    const seen = () =>
      envelopes
        .flatMap((e) => e.events)
        .find(
          (e) =>
            e.action === 'push' && e.target.repository === 'notify/me' && e.target.tag === 'v1',
        );
    for (let i = 0; i < 200 && !seen(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen()?.target.digest, image.digest);
    assert.equal(seen()?.target.mediaType, image.mediaType);
  });

  it('keeps its storage across a restart', async () => {
    const image = await pushImage(reg.url, 'kept/app', '1', { layers: [{ files: { k: '1' } }] });
    await reg.restart();
    assert.equal(await tagDigest(reg.url, 'kept/app', '1'), image.digest);
  });
});
