import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  createRegistryClient,
  resolveDigests,
  type RegistryClient,
  type RegistrySettings,
} from '@restack/registry';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import {
  pushImage,
  pushIndex,
  sha256,
  type PushedImage,
  type PushedIndex,
} from '../harness/images.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const MANIFESTS = { path: '/manifests/' };
const WRONG = sha256('not the manifest');

describe('registry faults never read as digests', () => {
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let other: FaultProxy;
  let configDir: string;
  let app: PushedImage;
  let multi: PushedIndex;
  const clients: RegistryClient[] = [];

  function client(settings: RegistrySettings = {}): RegistryClient {
    const base = { insecure: true, retries: 3, ...settings };
    const c = createRegistryClient({
      registries: { [proxy.host]: base, [other.host]: { insecure: true } },
      env: { DOCKER_CONFIG: configDir },
    });
    clients.push(c);
    return c;
  }

  before(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'restack-noauth-'));
    reg = await startRegistry();
    app = await pushImage(reg.url, 'app', '1', { layers: [{ files: { a: '1' } }] });
    await pushImage(reg.url, 'app', '2', { layers: [{ files: { a: '2' } }] });
    await pushImage(reg.url, 'app', '3', { layers: [{ files: { a: '3' } }] });
    multi = await pushIndex(reg.url, 'multi', '1', {
      'linux/amd64': { layers: [{ files: { m: 'amd64' } }] },
      'linux/arm64/v8': { layers: [{ files: { m: 'arm64' } }] },
    });
    proxy = await startFaultProxy(reg.url);
    other = await startFaultProxy(reg.url);
  });

  beforeEach(() => {
    proxy.reset();
    other.reset();
  });

  after(async () => {
    for (const c of clients) c.close();
    await proxy.close();
    await other.close();
    await reg.close();
    await rm(configDir, { recursive: true, force: true });
  });

  it('without Docker-Content-Digest, GETs the manifest and uses its sha256', async () => {
    proxy.inject({ type: 'digest', value: null }, { match: MANIFESTS });
    const c = client();
    const r = await c.resolve(`${proxy.host}/app:1`);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.value.digest, app.digest);
    assert.equal(proxy.count({ method: 'HEAD' }), 1);
    assert.equal(proxy.count({ method: 'GET' }), 1);
  });

  it('detects a wrong Docker-Content-Digest when verifying', async () => {
    proxy.inject({ type: 'digest', value: WRONG }, { match: MANIFESTS });
    const c = client();
    const r = await c.resolve(`${proxy.host}/app:1`, { verify: true });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.kind, 'digest-mismatch');
    assert.match(
      !r.ok ? r.reason : '',
      new RegExp(`${proxy.host}.*app:1.*${app.digest}.*${WRONG}`),
    );
    const [report] = await resolveDigests([`${proxy.host}/app:1`], c, { verify: true });
    assert.equal(report?.status, 'failed');
    assert.equal(report?.digest, null);
  });

  it('catches a wrong digest header on an index through the index fetch', async () => {
    proxy.inject({ type: 'digest', value: WRONG }, { match: MANIFESTS });
    const r = await client().resolve(`${proxy.host}/multi:1`);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.kind, 'digest-mismatch');
    proxy.clearFaults();
    const fine = await client().resolve(`${proxy.host}/multi:1`);
    assert.ok(fine.ok);
    assert.equal(fine.value.digest, multi.digest);
  });

  it('honours 429 Retry-After by pausing only that registry', async () => {
    proxy.inject(
      { type: 'status', status: 429, headers: { 'retry-after': '1' } },
      { match: { method: 'HEAD' }, times: 1 },
    );
    const c = client({ concurrency: 1 });
    const paused = resolveDigests(
      [`${proxy.host}/app:1`, `${proxy.host}/app:2`, `${proxy.host}/app:3`],
      c,
    );
    // Wait for the 429 to be sent before the other registry is asked.
    for (let i = 0; i < 1000 && !proxy.requests.some((r) => r.status === 429); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const elsewhere = await resolveDigests([`${other.host}/app:1`, `${other.host}/app:2`], c);
    const reports = await paused;

    assert.deepEqual(
      elsewhere.map((r) => r.status),
      ['ok', 'ok'],
    );
    assert.deepEqual(
      reports.map((r) => r.status),
      ['ok', 'ok', 'ok'],
    );
    const [limited, ...rest] = proxy.requests;
    assert.equal(limited?.status, 429);
    assert.equal(rest.length, 3, 'one retry plus the two other lookups');
    for (const r of rest) {
      // Timers may fire a few ms early against Date.now(); the pause was 1000 ms.
      assert.ok(
        r.at >= (limited?.at ?? 0) + 950,
        `request ${r.path} came ${r.at - (limited?.at ?? 0)} ms after the 429`,
      );
    }
    const otherLast = Math.max(...other.requests.map((r) => r.at));
    assert.ok(
      otherLast < Math.min(...rest.map((r) => r.at)),
      'the other registry was served during the pause',
    );
    assert.equal(c.requestCount({ registry: proxy.host, status: 429 }), 1);
  });

  it('pauses after ratelimit-remaining: 0 for the window the registry names', async () => {
    proxy.inject(
      { type: 'headers', set: { 'ratelimit-remaining': '0;w=1' } },
      { match: { method: 'HEAD' }, times: 1 },
    );
    const c = client({ concurrency: 1 });
    const first = await c.resolve(`${proxy.host}/app:1`);
    assert.ok(first.ok);
    const second = await c.resolve(`${proxy.host}/app:2`);
    assert.ok(second.ok);
    const [a, b] = proxy.requests;
    assert.ok((b?.at ?? 0) >= (a?.at ?? 0) + 950, 'the second request waited for the window');
  });

  it('fails lookups at once, without sending them, while a long Retry-After lasts', async () => {
    proxy.inject(
      { type: 'status', status: 429, headers: { 'retry-after': '3600' } },
      { match: { method: 'HEAD' } },
    );
    const c = client({ maxRetryAfterMs: 1000 });
    const reports = await resolveDigests([`${proxy.host}/app:1`], c);
    assert.equal(reports[0]?.status, 'failed');
    assert.match(reports[0]?.error ?? '', /asked restack to pause until/);
    const later = await resolveDigests([`${proxy.host}/app:2`, `${proxy.host}/app:3`], c);
    assert.deepEqual(
      later.map((r) => r.status),
      ['failed', 'failed'],
    );
    assert.equal(proxy.count(), 1, 'only the first request reached the registry');
  });

  it('retries a burst of 500s and recovers', async () => {
    proxy.inject({ type: 'status', status: 500 }, { match: { method: 'HEAD' }, times: 2 });
    const c = client();
    const r = await c.resolve(`${proxy.host}/app:1`);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.value.digest, app.digest);
    assert.equal(c.requestCount({ method: 'HEAD', status: 500 }), 2);
    assert.equal(c.requestCount({ method: 'HEAD', status: 200 }), 1);
  });

  it('gives up after the retry budget with a server-error failure', async () => {
    proxy.inject({ type: 'status', status: 503 }, { match: { method: 'HEAD' } });
    const c = client({ retries: 2 });
    const r = await c.resolve(`${proxy.host}/app:1`);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.kind, 'server-error');
    assert.match(!r.ok ? r.reason : '', /503.*after 3 attempts/);
    assert.equal(proxy.count(), 3);
  });

  it('times out a hung request, retries and recovers; a registry that always hangs fails', async () => {
    proxy.inject({ type: 'hang' }, { match: { method: 'HEAD' }, times: 1 });
    const c = client({ timeoutMs: 300 });
    const r = await c.resolve(`${proxy.host}/app:1`);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(c.requestCount({ method: 'HEAD', status: 'timeout' }), 1);

    proxy.inject({ type: 'hang' }, { match: { method: 'HEAD' } });
    const stuck = await client({ timeoutMs: 200, retries: 1 }).resolve(`${proxy.host}/app:2`);
    assert.equal(stuck.ok, false);
    assert.equal(!stuck.ok && stuck.kind, 'timeout');
  });

  it('retries a truncated body and a reset connection', async () => {
    proxy.inject({ type: 'digest', value: null }, { match: MANIFESTS });
    proxy.inject({ type: 'truncate' }, { match: { method: 'GET' }, times: 1 });
    const c = client();
    const r = await c.resolve(`${proxy.host}/app:1`);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.value.digest, app.digest);
    assert.equal(c.requestCount({ method: 'GET', status: 'error' }), 1);

    proxy.clearFaults();
    proxy.inject({ type: 'reset' }, { match: { method: 'HEAD' }, times: 1 });
    const again = await c.resolve(`${proxy.host}/app:2`);
    assert.ok(again.ok, again.ok ? '' : again.reason);
  });
});
