import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../harness/cli.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { pushImage, type PushedImage } from '../harness/images.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

describe('restack digests against a real registry', () => {
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let dir: string;
  let debian: PushedImage;
  let app: PushedImage;

  before(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg.url);
    dir = await mkdtemp(path.join(tmpdir(), 'restack-digests-'));
    debian = await pushImage(reg.url, 'upstream/debian', 'bookworm', {
      layers: [{ files: { 'etc/debian_version': '12.7\n' } }],
    });
    app = await pushImage(reg.url, 'team/app', '1', { layers: [{ files: { 'app/run': 'x' } }] });
    const h = proxy.host;
    const files: Record<string, string> = {
      'repos/app/Dockerfile': `FROM ${h}/upstream/debian:bookworm\n`,
      'repos/tool/Dockerfile': `FROM ${h}/team/app:1\nCOPY --from=${h}/upstream/debian:bookworm /etc /etc\n`,
      'repos/old/Dockerfile': `FROM ${h}/upstream/debian:bookworm@${debian.digest}\nFROM ${h}/upstream/gone:1\n`,
    };
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    await writeFile(
      path.join(dir, 'restack.yaml'),
      [
        'sources: [{ path: ./repos }]',
        'images:',
        `  - { name: ${h}/team/app, tags: ["1"], dockerfile: repos/app/Dockerfile }`,
        'registries:',
        `  "${h}": { insecure: true }`,
        '',
      ].join('\n'),
    );
    await mkdir(path.join(dir, 'docker'));
  });

  after(async () => {
    await proxy?.close();
    await reg?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('resolves each unique reference once, with HEAD only, and reports a missing tag', async () => {
    proxy.reset();
    const r = await runCli(['digests', '--config', path.join(dir, 'restack.yaml'), '--json'], {
      DOCKER_CONFIG: path.join(dir, 'docker'),
    });
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as Array<{
      ref: string;
      digest: string | null;
      error: string | null;
      platforms: unknown;
    }>;
    const byRef = new Map(out.map((o) => [o.ref, o]));
    const h = proxy.host;
    assert.equal(byRef.get(`${h}/upstream/debian:bookworm`)?.digest, debian.digest);
    assert.deepEqual(byRef.get(`${h}/upstream/debian:bookworm`)?.platforms, {});
    assert.equal(byRef.get(`${h}/team/app:1`)?.digest, app.digest);
    const gone = byRef.get(`${h}/upstream/gone:1`);
    assert.equal(gone?.digest, null);
    assert.match(gone?.error ?? '', /gone/);
    assert.equal(out.length, 3, 'one line per unique reference');
    // debian:bookworm is named three times (twice with a tag, once pinned): one HEAD.
    assert.equal(proxy.count({ method: 'HEAD', path: '/v2/upstream/debian/manifests/' }), 1);
    assert.equal(proxy.count({ method: 'GET', path: '/manifests/' }), 0);
  });
});
