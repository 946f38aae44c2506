import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry as PromRegistry } from 'prom-client';
import {
  createRegistryClient,
  resolveDigests,
  type RegistryClient,
  type RegistrySettings,
} from '@restack/registry';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import {
  deleteTag,
  pushImage,
  pushIndex,
  tagManifest,
  type PushedImage,
  type PushedIndex,
} from '../harness/images.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

describe('resolving digests against a real registry', () => {
  let reg: TestRegistry;
  let configDir: string;
  let app: PushedImage;
  let multi: PushedIndex;
  const clients: RegistryClient[] = [];
  const proxies: FaultProxy[] = [];

  /** A client that knows `host` as insecure and reads an empty Docker config. */
  function client(host = reg.host, settings: RegistrySettings = {}, extra = {}): RegistryClient {
    const c = createRegistryClient({
      registries: { [host]: { insecure: true, ...settings } },
      env: { DOCKER_CONFIG: configDir },
      ...extra,
    });
    clients.push(c);
    return c;
  }

  before(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'restack-noauth-'));
    reg = await startRegistry();
    app = await pushImage(reg.url, 'team/app', '1.0', {
      layers: [
        { files: { 'etc/os-release': 'ID=test\n' } },
        { files: { 'app/run.sh': '#!/bin/sh\n' } },
      ],
      config: {
        created: '2025-03-04T05:06:07Z',
        labels: { 'org.opencontainers.image.title': 'app' },
      },
    });
    multi = await pushIndex(reg.url, 'team/multi', 'latest', {
      'linux/amd64': { layers: [{ files: { arch: 'amd64' } }] },
      'linux/arm64/v8': { layers: [{ files: { arch: 'arm64' } }] },
    });
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const p of proxies) await p.close();
    await reg.close();
    await rm(configDir, { recursive: true, force: true });
  });

  it('resolves a tag with exactly one HEAD and no GET', async () => {
    const c = client();
    const r = await c.resolve(`${reg.host}/team/app:1.0`);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.value.digest, app.digest);
    assert.equal(r.value.mediaType, OCI_MANIFEST);
    assert.equal(r.value.platforms, null);
    assert.equal(r.value.ref, `${reg.host}/team/app:1.0`);
    assert.equal(c.requestCount({ method: 'HEAD' }), 1);
    assert.equal(c.requestCount({ method: 'GET' }), 0);
  });

  it('gives per-platform digests of an index, and an unchanged index costs one HEAD', async () => {
    const c = client();
    const first = await c.resolve(`${reg.host}/team/multi`);
    assert.ok(first.ok, first.ok ? '' : first.reason);
    assert.equal(first.value.digest, multi.digest);
    assert.equal(first.value.mediaType, OCI_INDEX);
    assert.deepEqual(first.value.platforms, {
      'linux/amd64': multi.platforms['linux/amd64']?.digest,
      'linux/arm64/v8': multi.platforms['linux/arm64/v8']?.digest,
    });
    assert.equal(c.requestCount({ method: 'GET' }), 1);
    const again = await c.resolve(`${reg.host}/team/multi:latest`);
    assert.ok(again.ok);
    assert.deepEqual(again.value.platforms, first.value.platforms);
    assert.equal(c.requestCount({ method: 'HEAD' }), 2);
    assert.equal(c.requestCount({ method: 'GET' }), 1);
  });

  it('reads a Docker manifest list the same way', async () => {
    const list = await pushIndex(
      reg.url,
      'team/dockerlist',
      '2',
      {
        'linux/amd64': { layers: [{ files: { a: '1' } }] },
        'linux/arm/v7': { layers: [{ files: { a: '2' } }] },
      },
      { format: 'docker' },
    );
    const r = await client().resolve(`${reg.host}/team/dockerlist:2`);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.value.mediaType, DOCKER_LIST);
    assert.deepEqual(Object.keys(r.value.platforms ?? {}).sort(), ['linux/amd64', 'linux/arm/v7']);
    assert.equal(r.value.digest, list.digest);
  });

  it('reads the config blob when asked: created time, labels and diff_ids', async () => {
    const r = await client().resolve(`${reg.host}/team/app:1.0`, { config: true });
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.value.config?.created, '2025-03-04T05:06:07Z');
    assert.deepEqual(r.value.config?.labels, { 'org.opencontainers.image.title': 'app' });
    assert.deepEqual(r.value.config?.diffIds, app.diffIds);
    assert.equal(r.value.config?.configDigest, app.configDigest);

    const arm = await client().imageConfig(`${reg.host}/team/multi`, { platform: 'linux/arm64' });
    assert.ok(arm.ok, arm.ok ? '' : arm.reason);
    assert.equal(arm.value.platform, 'linux/arm64/v8');
    assert.deepEqual(arm.value.diffIds, multi.platforms['linux/arm64/v8']?.diffIds);

    const none = await client().imageConfig(`${reg.host}/team/multi`, { platform: 'linux/s390x' });
    assert.equal(none.ok, false);
    assert.equal(!none.ok && none.kind, 'no-platform');
    assert.match(!none.ok ? none.reason : '', /linux\/amd64, linux\/arm64\/v8/);
  });

  it('sees a tag moved to a new digest', async () => {
    const v2 = await pushImage(reg.url, 'team/moving', '1', { layers: [{ files: { v: '1' } }] });
    const c = client();
    const before1 = await c.resolve(`${reg.host}/team/moving:1`);
    assert.ok(before1.ok);
    assert.equal(before1.value.digest, v2.digest);
    const v3 = await pushImage(reg.url, 'team/moving', null, { layers: [{ files: { v: '2' } }] });
    await tagManifest(reg.url, 'team/moving', '1', v3.digest);
    const moved = await c.resolve(`${reg.host}/team/moving:1`);
    assert.ok(moved.ok);
    assert.equal(moved.value.digest, v3.digest);
    assert.notEqual(v3.digest, v2.digest);
  });

  it('reports a deleted tag or unknown repository as missing, not as a digest', async () => {
    await pushImage(reg.url, 'team/gone', 'old', { layers: [{ files: { x: 'x' } }] });
    await deleteTag(reg.url, 'team/gone', 'old');
    const c = client();
    const r = await c.resolve(`${reg.host}/team/gone:old`);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.kind, 'missing');
    assert.match(!r.ok ? r.reason : '', new RegExp(`${reg.host}/team/gone:old.*${reg.host}`));
    const [report] = await resolveDigests([`${reg.host}/never/was:1`], c);
    assert.equal(report?.status, 'missing');
    assert.equal(report?.digest, null);
  });

  it('lists tags', async () => {
    await pushImage(reg.url, 'team/tags', 'a', { layers: [{ files: { t: 'a' } }] });
    await pushImage(reg.url, 'team/tags', 'b', { layers: [{ files: { t: 'b' } }] });
    const r = await client().listTags(`${reg.host}/team/tags`);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.deepEqual([...r.value].sort(), ['a', 'b']);
  });

  it('looks each unique reference up once in resolveDigests', async () => {
    const proxy = await startFaultProxy(reg.url);
    proxies.push(proxy);
    const c = client(proxy.host);
    const h = proxy.host;
    const reports = await resolveDigests(
      [
        `${h}/team/app:1.0`,
        `${h}/team/multi`,
        `${h}/team/app:1.0`,
        `${h}/team/multi:latest`,
        `${h}/team/app:1.0@${app.digest}`,
        `${h}/team/none:x`,
        `${h}/team/app:1.0`,
        'Not A Reference',
      ],
      c,
      { platforms: false },
    );
    assert.deepEqual(
      reports.map((r) => [r.ref, r.status, r.digest]),
      [
        [`${h}/team/app:1.0`, 'ok', app.digest],
        [`${h}/team/multi:latest`, 'ok', multi.digest],
        [`${h}/team/none:x`, 'missing', null],
        ['Not A Reference', 'failed', null],
      ],
    );
    assert.deepEqual(reports[0]?.inputs, [`${h}/team/app:1.0`, `${h}/team/app:1.0@${app.digest}`]);
    assert.equal(proxy.count({ method: 'HEAD' }), 3);
    assert.equal(proxy.count({ method: 'GET' }), 0);
    assert.equal(c.requestCount({ method: 'HEAD' }), 3);
  });

  it('returns a failed check, never a digest, when the registry is down, and recovers after restart', async () => {
    const down = await startRegistry();
    try {
      const pushed = await pushImage(down.url, 'svc', '1', { layers: [{ files: { s: '1' } }] });
      await down.stop();
      const c = client(down.host, { retries: 1 });
      const [report] = await resolveDigests([`${down.host}/svc:1`], c);
      assert.equal(report?.status, 'failed');
      assert.equal(report?.digest, null);
      assert.match(report?.error ?? '', new RegExp(`${down.host}.*ECONNREFUSED`));
      assert.equal(c.requestCount({ method: 'HEAD', status: 'error' }), 2);
      await down.start();
      const back = await c.resolve(`${down.host}/svc:1`);
      assert.ok(back.ok, back.ok ? '' : back.reason);
      assert.equal(back.value.digest, pushed.digest);
    } finally {
      await down.close();
    }
  });

  it('talks plain http only to a registry configured as insecure', async () => {
    const proxy = await startFaultProxy(reg.url);
    proxies.push(proxy);
    const strict = createRegistryClient({ registries: {}, env: { DOCKER_CONFIG: configDir } });
    clients.push(strict);
    const r = await strict.resolve(`${proxy.host}/team/app:1.0`);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.kind, 'network');
    assert.match(!r.ok ? r.reason : '', /https:\/\/127\.0\.0\.1.*insecure/);
    assert.equal(proxy.count(), 0, 'no plain-http request was sent');
    const ok = await client(proxy.host).resolve(`${proxy.host}/team/app:1.0`);
    assert.ok(ok.ok);
    assert.equal(proxy.count({ method: 'HEAD' }), 1);
  });

  it('counts requests in a Prometheus registry', async () => {
    const prom = new PromRegistry();
    const c = client(reg.host, {}, { metrics: prom });
    await c.resolve(`${reg.host}/team/app:1.0`);
    await c.resolve(`${reg.host}/team/absent:1`);
    const text = await prom.metrics();
    assert.match(
      text,
      new RegExp(
        `restack_registry_requests_total\\{registry="${reg.host}",method="HEAD",status="200"\\} 1`,
      ),
    );
    assert.match(
      text,
      new RegExp(
        `restack_registry_requests_total\\{registry="${reg.host}",method="HEAD",status="404"\\} 1`,
      ),
    );
  });
});
