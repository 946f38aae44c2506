import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../harness/cli.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { pushImage, pushIndex, type PushedImage } from '../harness/images.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const TIMEOUT = { timeout: 120_000 };
const NOW = '2025-06-01';
const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

interface Output {
  image: string;
  digest: string;
  promoted: string[];
  verdicts: Array<{
    policy: string;
    rule: string;
    result: string;
    message: string;
    policyVersion: string;
    scanner: { name: string; databaseUpdatedAt: string | null } | null;
    sources: Array<{ kind: string; detail: string }>;
  }>;
}

describe('restack promote against a real registry', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let host: string;
  let dir: string;
  let config: string;
  let base: PushedImage;

  /** What the registry itself says a tag points at (HEAD, straight to the registry). */
  async function head(repo: string, reference: string): Promise<string | null> {
    const res = await fetch(`${registry.url}/v2/${repo}/manifests/${reference}`, {
      method: 'HEAD',
      headers: { accept: MANIFEST_ACCEPT },
    });
    return res.status === 200 ? res.headers.get('docker-content-digest') : null;
  }

  const baseLayer = { files: { 'etc/os-release': 'ID=debian\nVERSION_ID="12"\n' } };
  const appLayer = (name: string) => ({ files: { [`app/${name}`]: name } });
  /** A child of the local base, labelled the way restack's builder labels it. */
  const child = (name: string, config: Record<string, unknown> = {}) => ({
    layers: [baseLayer, appLayer(name)],
    config: {
      created: '2025-05-20T00:00:00Z',
      user: '10001',
      labels: {
        'org.opencontainers.image.base.name': `${host}/base/debian:12`,
        'org.opencontainers.image.base.digest': base.digest,
      },
      ...config,
    },
  });
  const promote = (image: string, ...rest: string[]) =>
    runCli(['promote', '--config', config, '--image', `${host}/${image}`, '--now', NOW, ...rest]);
  const json = (stdout: string) => JSON.parse(stdout) as Output;

  before(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy(registry.url);
    host = proxy.host;
    base = await pushImage(registry.url, 'base/debian', '12', { layers: [baseLayer] });
    dir = await mkdtemp(path.join(tmpdir(), 'restack-promote-'));
    await mkdir(path.join(dir, 'repos/app'), { recursive: true });
    await writeFile(path.join(dir, 'repos/app/Dockerfile'), `FROM ${host}/base/debian:12\n`);
    config = path.join(dir, 'restack.yaml');
    await writeFile(
      config,
      [
        `registries: { '${host}': { insecure: true } }`,
        'sources: [{ path: ./repos }]',
        'images:',
        `  - name: ${host}/prod/app`,
        "    tags: ['1']",
        '    dockerfile: repos/app/Dockerfile',
        `    promote: { stagingRepository: ${host}/staging/app }`,
        'policies:',
        '  - name: production',
        "    version: '7'",
        `    match: { images: ['${host}/**'] }`,
        '    rules:',
        '      noEndOfLife: { action: deny }',
        '      nonRootUser: { action: deny }',
        '      noExposedPorts: { ports: [22], action: deny }',
        '      maxDaysSinceFix: { days: 30, severities: [critical, high], action: deny }',
        '    exceptions:',
        `      - { rules: [noExposedPorts], images: ['${host}/staging/waived'], expires: '2025-12-31', reason: OPS-7 }`,
      ].join('\n'),
    );
  });
  after(async () => {
    await proxy?.close();
    await registry?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    'promotes a passing image: production tags point at the staging digest, blobs mounted, no layer moved',
    TIMEOUT,
    async () => {
      const staged = await pushImage(registry.url, 'staging/app', 'sha-good', child('good'));
      proxy.reset();
      const r = await promote(
        'staging/app:sha-good',
        '--to',
        '1',
        '--to',
        '1.2',
        '--format',
        'json',
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const out = json(r.stdout);
      assert.deepEqual(Object.keys(out).sort(), ['digest', 'image', 'promoted', 'verdicts']);
      assert.equal(out.digest, staged.digest);
      assert.deepEqual(out.promoted, ['1', '1.2']);
      assert.equal(await head('prod/app', '1'), staged.digest);
      assert.equal(await head('prod/app', '1.2'), staged.digest);

      const rule = (name: string) => out.verdicts.find((v) => v.rule === name)!;
      assert.equal(rule('nonRootUser').result, 'pass');
      assert.equal(rule('nonRootUser').policyVersion, '7');
      assert.equal(rule('baseVerified').result, 'pass', rule('baseVerified').message);
      assert.equal(rule('baseVerified').scanner, null);
      const kinds = rule('nonRootUser').sources.map((s) => s.kind);
      for (const k of ['config', 'registry', 'eol-catalog', 'clock', 'scan'])
        assert.ok(kinds.includes(k), `${k} in ${kinds.join(',')}`);

      // Cross-repository: one mount per blob (config + 2 layers), no upload, no layer download.
      const mounts = proxy.requests.filter((q) => q.method === 'POST' && q.path.includes('mount='));
      assert.equal(mounts.length, 3);
      assert.ok(mounts.every((q) => q.status === 201));
      assert.equal(proxy.count({ method: 'PATCH' }), 0);
      assert.equal(proxy.count({ method: 'PUT', path: '/blobs/uploads' }), 0);
      for (const layer of staged.layers)
        assert.equal(proxy.count({ method: 'GET', path: `/blobs/${layer.digest}` }), 0);

      proxy.reset();
      const again = await promote('staging/app:sha-good', '--to', '1', '--to', '1.2');
      assert.equal(again.code, 0, again.stderr);
      assert.equal(proxy.count({ method: 'PUT' }), 0, 'tags already at the digest are left alone');
      assert.match(again.stdout, /^promoted .*staging\/app:sha-good/m);
    },
  );

  it('promotes by digest, and a waived finding passes with its waiver named', TIMEOUT, async () => {
    const staged = await pushImage(
      registry.url,
      'staging/waived',
      'sha-w',
      child('waived', { exposedPorts: ['22/tcp'] }),
    );
    const r = await promote(
      `staging/waived@${staged.digest}`,
      '--to',
      'stable',
      '--format',
      'json',
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const ports = json(r.stdout).verdicts.find((v) => v.rule === 'noExposedPorts')!;
    assert.equal(ports.result, 'pass');
    assert.match(ports.message, /port 22 .*waived until 2025-12-31: OPS-7/);
    assert.equal(await head('staging/waived', 'stable'), staged.digest);
  });

  it(
    'stops with exit 2 and writes no tag when the registry will not mount a blob',
    TIMEOUT,
    async () => {
      await pushImage(registry.url, 'staging/app', 'sha-mount', child('mount'));
      proxy.reset();
      proxy.inject({ type: 'status', status: 202 }, { match: { method: 'POST', path: 'mount=' } });
      const r = await promote('staging/app:sha-mount', '--to', `${host}/prod/other:1`);
      proxy.clearFaults();
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /would not mount .* production tags are unchanged/);
      assert.equal(await head('prod/other', '1'), null);
      assert.equal(proxy.count({ method: 'PUT' }), 0);
    },
  );

  it(
    'refuses an image running as root (exit 1) and leaves production unchanged',
    TIMEOUT,
    async () => {
      const before = await pushImage(registry.url, 'prod/app', '3', child('old'));
      await pushImage(registry.url, 'staging/app', 'sha-root', child('root', { user: '' }));
      proxy.reset();
      const r = await promote('staging/app:sha-root', '--to', '3', '--format', 'json');
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const out = json(r.stdout);
      assert.deepEqual(out.promoted, []);
      const root = out.verdicts.find((v) => v.rule === 'nonRootUser')!;
      assert.equal(root.result, 'fail');
      assert.match(root.message, /root/);
      assert.equal(await head('prod/app', '3'), before.digest);
      assert.equal(proxy.count({ method: 'PUT' }) + proxy.count({ method: 'POST' }), 0);
    },
  );

  it('refuses an image exposing port 22, with the reason in the text output', TIMEOUT, async () => {
    await pushImage(
      registry.url,
      'staging/app',
      'sha-ssh',
      child('ssh', { exposedPorts: ['22/tcp', '8080/tcp'] }),
    );
    const r = await promote('staging/app:sha-ssh', '--to', '4');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^refused .*production tags unchanged/m);
    assert.match(r.stdout, /FAIL {2}production@7 noExposedPorts: .*22/);
    assert.equal(await head('prod/app', '4'), null);
  });

  it('refuses an image built on an end-of-life base', TIMEOUT, async () => {
    await pushImage(registry.url, 'staging/eol', 'sha-eol', {
      layers: [baseLayer],
      config: {
        created: '2025-05-20T00:00:00Z',
        user: '10001',
        labels: { 'org.opencontainers.image.base.name': 'docker.io/library/debian:10' },
      },
    });
    const r = await promote('staging/eol:sha-eol', '--to', 'stable', '--format', 'json');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const eol = json(r.stdout).verdicts.find((v) => v.rule === 'noEndOfLife')!;
    assert.equal(eol.result, 'fail');
    assert.match(eol.message, /debian:10 is eol/);
    assert.ok(eol.sources.some((s) => s.kind === 'eol-catalog'));
    assert.equal(await head('staging/eol', 'stable'), null);
  });

  it(
    'refuses when the scan could not verify the base, and records the scanner',
    TIMEOUT,
    async () => {
      await pushImage(registry.url, 'staging/app', 'sha-unverified', child('unverified'));
      const scan = path.join(dir, 'scan.json');
      await writeFile(
        scan,
        JSON.stringify({
          scanner: 'trivy',
          databaseUpdatedAt: '2025-05-31T06:00:00Z',
          counts: { critical: 0, high: 0, medium: 1, low: 2, unknown: 0 },
          baseVerified: false,
          verificationReasons: ['layer 1 differs'],
        }),
      );
      const r = await promote(
        'staging/app:sha-unverified',
        '--to',
        '5',
        '--scan',
        scan,
        '--format',
        'json',
      );
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const v = json(r.stdout).verdicts.find((x) => x.rule === 'baseVerified')!;
      assert.deepEqual([v.policy, v.result], ['restack', 'fail']);
      assert.match(v.message, /layer 1 differs/);
      assert.deepEqual(v.scanner, { name: 'trivy', databaseUpdatedAt: '2025-05-31T06:00:00Z' });
      assert.equal(await head('prod/app', '5'), null);
    },
  );

  it(
    'refuses an image whose high finding has had a fix for too long; without fix dates the rule is not evaluated',
    TIMEOUT,
    async () => {
      await pushImage(registry.url, 'staging/app', 'sha-fixes', child('fixes'));
      const scan = path.join(dir, 'scan-fixes.json');
      const facts = {
        scanner: 'grype',
        databaseUpdatedAt: '2025-05-31T06:00:00Z',
        counts: { critical: 0, high: 1, medium: 1, low: 0, unknown: 0 },
        baseVerified: true,
      };
      const run = async (tag: string, fixes?: unknown[]) => {
        await writeFile(scan, JSON.stringify(fixes ? { ...facts, fixes } : facts));
        const r = await promote(
          'staging/app:sha-fixes',
          '--to',
          tag,
          '--scan',
          scan,
          '--format',
          'json',
        );
        return {
          code: r.code,
          out: r.stdout + r.stderr,
          rule: json(r.stdout).verdicts.find((v) => v.rule === 'maxDaysSinceFix')!,
        };
      };
      const undated = await run('6');
      assert.equal(undated.code, 0, undated.out);
      assert.equal(undated.rule.result, 'not-evaluated');
      assert.match(undated.rule.message, /no rescan with fix dates/);
      const old = await run('7', [
        // A medium finding is outside the rule's severities, however old its fix.
        { id: 'CVE-2025-9', package: 'zlib', severity: 'medium', fixSince: '2024-01-01T00:00:00Z' },
        {
          id: 'CVE-2025-7',
          package: 'openssl',
          severity: 'high',
          fixSince: '2025-04-01T00:00:00Z',
        },
      ]);
      assert.equal(old.code, 1, old.out);
      assert.equal(old.rule.result, 'fail');
      assert.match(
        old.rule.message,
        /CVE-2025-7 \(high\) in openssl has had a fix for \d+ days .*the limit is 30/,
      );
      assert.doesNotMatch(old.rule.message, /CVE-2025-9/);
      assert.equal(await head('prod/app', '7'), null, 'production unchanged');
    },
  );

  it(
    'promotes every child of a multi-platform index, and refuses one with a root child',
    TIMEOUT,
    async () => {
      const ok = {
        layers: [appLayer('multi')],
        config: { user: '10001', created: '2025-05-20T00:00:00Z' },
      };
      const index = await pushIndex(registry.url, 'staging/multi', 'sha-m', {
        'linux/amd64': ok,
        'linux/arm64': { ...ok, layers: [appLayer('multi-arm')] },
      });
      const r = await runCli([
        'promote',
        '--config',
        config,
        '--image',
        `${host}/staging/multi:sha-m`,
        '--to',
        `${host}/prod/multi:2`,
        '--now',
        NOW,
        '--format',
        'json',
      ]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(await head('prod/multi', '2'), index.digest);
      for (const p of Object.values(index.platforms))
        assert.equal(await head('prod/multi', p.digest), p.digest);
      assert.ok(json(r.stdout).verdicts.some((v) => v.message.startsWith('[linux/arm64] ')));

      await pushIndex(registry.url, 'staging/multi', 'sha-bad', {
        'linux/amd64': ok,
        'linux/arm64': { ...ok, config: { ...ok.config, user: 'root' } },
      });
      const bad = await runCli([
        'promote',
        '--config',
        config,
        '--image',
        `${host}/staging/multi:sha-bad`,
        '--to',
        `${host}/prod/multi:2`,
        '--now',
        NOW,
        '--format',
        'json',
      ]);
      assert.equal(bad.code, 1, bad.stdout + bad.stderr);
      const failed = json(bad.stdout).verdicts.filter((v) => v.result === 'fail');
      assert.deepEqual(
        failed.map((v) => v.message.slice(0, 14)),
        ['[linux/arm64] '],
      );
      assert.equal(await head('prod/multi', '2'), index.digest);
    },
  );

  it('exits 2 with a clear message on bad arguments and unreadable images', TIMEOUT, async () => {
    const noTo = await runCli([
      'promote',
      '--config',
      config,
      '--image',
      `${host}/staging/app:sha-good`,
    ]);
    assert.equal(noTo.code, 2);
    assert.match(noTo.stderr, /--to is required/);
    const badFormat = await promote('staging/app:sha-good', '--to', '1', '--format', 'xml');
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.stderr, /unknown --format "xml"[\s\S]*fix: use one of text, json/);
    const missing = await promote('staging/app:sha-nope', '--to', '1');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /staging\/app:sha-nope/);
    const digestTarget = await promote(
      'staging/app:sha-good',
      '--to',
      `${host}/prod/app@${base.digest}`,
    );
    assert.equal(digestTarget.code, 2);
    assert.match(digestTarget.stderr, /names no tag to promote to/);
  });
});
