import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ConsumerSpec } from '@restack/bus';
import { createLogger, silentLogger } from '@restack/core';
import {
  buildAndPush,
  contextFromFolder,
  createDockerodeEngine,
  ociLabels,
  parseEngineUrl,
  type ImageEngine,
} from '@restack/engine';
import { createEvent, type EventOf } from '@restack/events';
import { createDockerCredentialStore } from '@restack/registry';
import { defineService, on, startRuntime, type Runtime } from '@restack/service';
import {
  LATEST_BUCKET,
  SCANS_BUCKET,
  kvScanStore,
  latestScanSchema,
  scannerConsumer,
  scannerService,
  storedScanSchema,
} from '@restack/svc-scanner';
import { moveBaseTag, pushBaseImage, type BaseImageSpec } from '../harness/base-images.js';
import { defer, startNats, waitFor } from '../harness/nats.js';
import { startPodman, type TestPodman } from '../harness/podman.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const TIMEOUT = { timeout: 180_000 };
// Compiled to test/dist/integration: the fixtures stay in test/fixtures.
const FIXTURES = fileURLToPath(new URL('../../fixtures/scan/', import.meta.url));

const V1: BaseImageSpec = {
  packages: [
    { name: 'libc6', version: '2.36-9+deb12u4' },
    { name: 'openssl', version: '3.0.11-1~deb12u2' },
    { name: 'zlib1g', version: '1:1.2.13.dfsg-1' },
  ],
};

const completedSpec = {
  durable: 'scan-observer',
  subjects: ['restack.scan.completed'],
  backoff: { initialMs: 50, maxMs: 200 },
} satisfies ConsumerSpec<'restack.scan.completed'>;

function capture() {
  const records: Array<{ msg: string; level: number; [key: string]: unknown }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      records.push(JSON.parse(chunk.toString()) as (typeof records)[number]);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), records };
}

/**
 * The scanner service over real NATS, on images podman built and pushed:
 * image.rebuilt becomes scan.completed with the base verified (or not),
 * and the kept result names the upgraded package and, through a `trivy`
 * on PATH that prints documented reports, the vulnerabilities fixed.
 */
describe('scanner service (NATS, podman, registry, a trivy on PATH)', () => {
  let registry: TestRegistry;
  let podman: TestPodman;
  let engine: ImageEngine;
  let root: string;
  let context: string;
  let base1: string;
  let base2: string;
  const built: Record<'app1' | 'app2' | 'stale', string> = { app1: '', app2: '', stale: '' };

  before(async () => {
    registry = await startRegistry();
    podman = await startPodman({ insecureRegistries: [registry.host] });
    engine = createDockerodeEngine({
      endpoint: parseEngineUrl(podman.url),
      logger: silentLogger(),
    });
    root = await mkdtemp(join(tmpdir(), 'restack-scanner-'));
    context = join(root, 'context');
    await mkdir(context);
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\n');
    const h = registry.host;
    const build = async (repo: string, from: string, label: string) =>
      (
        await buildAndPush(engine, {
          context: contextFromFolder(context),
          dockerfileContent: `FROM ${h}/base@${from}\nRUN echo app > /app.txt\n`,
          labels: ociLabels({
            baseName: `${h}/base:12`,
            baseDigest: label,
            created: '2024-03-01T00:00:00Z',
          }),
          tags: [`${h}/${repo}:1`],
        })
      ).digest;
    base1 = (await pushBaseImage(registry.url, 'base', '12', V1)).digest;
    built.app1 = await build('app', base1, base1);
    base2 = (await moveBaseTag(registry.url, 'base', '12', V1, { libc6: '2.36-9+deb12u7' })).image
      .digest;
    built.app2 = await build('app', base2, base2);
    // Built on the old base but labelled with the new one: only the layers tell.
    built.stale = await build('stale', base1, base2);
  });

  after(async () => {
    await podman?.close();
    await registry?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** A fake trivy: the documented v1 report for the first app image, v2 for any other. */
  async function fakeTrivy(): Promise<{ env: NodeJS.ProcessEnv; calls: () => Promise<string[]> }> {
    const bin = join(root, 'bin');
    await mkdir(bin, { recursive: true });
    const log = join(bin, 'calls.log');
    await writeFile(
      join(bin, 'trivy'),
      `#!/bin/sh
echo "$*" >> "${log}"
case "$1" in version) cat "${FIXTURES}trivy-version.json"; exit 0;; esac
case "$*" in
  *${built.app1}*) cat "${FIXTURES}trivy-app-v1.json";;
  *) cat "${FIXTURES}trivy-app-v2.json";;
esac
`,
    );
    await chmod(join(bin, 'trivy'), 0o755);
    const dockerConfig = join(root, 'docker');
    await mkdir(dockerConfig, { recursive: true });
    return {
      env: {
        ...process.env,
        PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
        DOCKER_CONFIG: dockerConfig,
      },
      calls: async () =>
        (await readFile(log, 'utf8').catch(() => '')).split('\n').filter((l) => l !== ''),
    };
  }

  function rebuilt(
    image: string,
    digest: string,
    baseDigest: string,
    campaignId: string,
    previousDigest?: string | null,
  ) {
    return createEvent('restack.image.rebuilt', {
      image: `${registry.host}/${image}`,
      tags: ['1'],
      digest,
      baseRef: `${registry.host}/base:12`,
      baseDigest,
      dockerfile: 'Dockerfile',
      campaignId,
      ...(previousDigest === undefined ? {} : { previousDigest }),
    });
  }

  it(
    'verifies the base, names the upgrade and the vulnerabilities fixed, keeps the result',
    TIMEOUT,
    async (t) => {
      const nats = await startNats();
      defer(t, () => nats.close());
      const trivy = await fakeTrivy();
      const log = capture();
      const seen: EventOf<'restack.scan.completed'>[] = [];
      const runtime: Runtime = await startRuntime({
        name: 'scanner-test',
        services: [
          scannerService({
            scanner: { type: 'trivy', binary: 'trivy', timeoutMs: 60_000, args: [] },
            registries: { [registry.host]: { insecure: true } },
            credentials: createDockerCredentialStore(trivy.env),
            env: trivy.env,
          }),
          defineService({
            name: 'observer',
            handlers: [on(completedSpec, (e) => void seen.push(e))],
          }),
        ],
        nats: { servers: nats.url },
        handleSignals: false,
        pullExpiresMs: 1_000,
        logger: log.logger,
      });
      defer(t, () => runtime.stop());
      await runtime.ready;
      const bus = runtime.bus()!;
      const store = kvScanStore(
        await bus.kv(SCANS_BUCKET.name, storedScanSchema),
        await bus.kv(LATEST_BUCKET.name, latestScanSchema),
      );
      const image = `${registry.host}/app`;

      await bus.publish(rebuilt('app', built.app1, base1, 'first'));
      const first = await waitFor(
        'the first scan',
        () => seen.find((e) => e.data.digest === built.app1),
        60_000,
      );
      assert.equal(first.data.baseVerified, true);
      assert.equal(first.data.scanner, 'trivy');
      assert.deepEqual(first.data.vulnerabilities, {
        critical: 1,
        high: 2,
        medium: 1,
        low: 0,
        unknown: 0,
      });
      // Trivy dates no fix: since is when restack first saw the fixed version (zlib1g has none).
      const fixes = (e: typeof first) =>
        Object.fromEntries(
          (e.data.fixes ?? []).map((f) => [`${f.id} ${f.package} ${f.severity}`, f.fixSince]),
        );
      const firstFixes = fixes(first);
      assert.deepEqual(Object.keys(firstFixes).sort(), [
        'CVE-2024-0727 openssl medium',
        'CVE-2024-2961 libc6 high',
        'CVE-2024-33599 libc6 high',
      ]);
      const firstRecord = (await store.get(image, built.app1))!;
      assert.equal(firstRecord.previousDigest, null, 'nothing was scanned under this name before');
      assert.equal(firstRecord.vulnerabilities?.delta, null);

      await bus.publish(rebuilt('app', built.app2, base2, 'moved'));
      const second = await waitFor(
        'the rescan',
        () => seen.find((e) => e.data.digest === built.app2),
        60_000,
      );
      assert.equal(second.data.baseVerified, true);
      assert.equal(second.data.baseDigest, base2);
      assert.equal(second.campaignId, 'moved');
      const secondFixes = fixes(second);
      assert.deepEqual(Object.keys(secondFixes).sort(), [
        'CVE-2024-0727 openssl medium',
        'CVE-2025-0395 libc6 medium',
      ]);
      assert.equal(
        secondFixes['CVE-2024-0727 openssl medium'],
        firstFixes['CVE-2024-0727 openssl medium'],
        'a fix seen before keeps the date it was first seen',
      );
      assert.deepEqual(second.data.vulnerabilities, {
        critical: 1,
        high: 0,
        medium: 2,
        low: 0,
        unknown: 0,
      });
      const record = (await store.get(image, built.app2))!;
      assert.equal(record.previousDigest, built.app1, 'compared with the image it replaced');
      assert.deepEqual(record.packages?.upgraded, [
        { name: 'libc6', from: '2.36-9+deb12u4', to: '2.36-9+deb12u7' },
      ]);
      assert.deepEqual(record.verification.reasons, []);
      const delta = record.vulnerabilities?.delta;
      assert.deepEqual(
        delta?.fixed.map((v) => v.id),
        ['CVE-2024-2961', 'CVE-2024-33599'],
      );
      assert.deepEqual(
        delta?.introduced.map((v) => v.id),
        ['CVE-2025-0395'],
      );
      assert.deepEqual(delta?.counts.remaining, {
        critical: 1,
        high: 0,
        medium: 1,
        low: 0,
        unknown: 0,
      });
      assert.equal(
        record.vulnerabilities?.report.databaseUpdatedAt,
        '2025-02-01T12:13:39.162498171Z',
      );
      assert.equal(
        record.vulnerabilities?.previous?.databaseUpdatedAt,
        '2025-02-01T12:13:39.162498171Z',
      );
      assert.equal((await store.latest(image))?.digest, built.app2);
      // The event itself carries what the record holds: verification, deltas, database date.
      assert.deepEqual(second.data.verification, {
        verified: true,
        baseRef: `${registry.host}/base:12`,
        baseDigest: base2,
        reasons: [],
      });
      assert.equal(second.data.previousDigest, built.app1);
      assert.deepEqual(second.data.packages, record.packages);
      assert.deepEqual(second.data.packages?.upgraded, [
        { name: 'libc6', from: '2.36-9+deb12u4', to: '2.36-9+deb12u7' },
      ]);
      assert.deepEqual(second.data.vulnerabilityDelta, delta?.counts);
      assert.deepEqual(second.data.vulnerabilityDelta?.fixed, {
        critical: 0,
        high: 2,
        medium: 0,
        low: 0,
        unknown: 0,
      });
      assert.equal(second.data.databaseUpdatedAt, '2025-02-01T12:13:39.162498171Z');
      assert.equal(first.data.previousDigest, null);
      assert.equal(first.data.packages, null, 'no previous image: no package delta');
      assert.equal(first.data.vulnerabilityDelta, null);
      const scans = (await trivy.calls()).filter((c) => c.startsWith('image '));
      assert.equal(
        scans.length,
        2,
        'the previous image was not scanned again: its kept report was used',
      );

      await bus.publish(rebuilt('stale', built.stale, base2, 'moved'));
      const stale = await waitFor(
        'the stale scan',
        () => seen.find((e) => e.data.digest === built.stale),
        60_000,
      );
      assert.equal(stale.data.baseVerified, false);
      assert.equal(stale.data.verification?.verified, false);
      const staleRecord = (await store.get(`${registry.host}/stale`, built.stale))!;
      assert.match(
        staleRecord.verification.reasons.join('\n'),
        /layer 2 of the child is sha256:[0-9a-f]{64}, but the base's layer 2 is/,
      );
      assert.deepEqual(
        stale.data.verification?.reasons,
        staleRecord.verification.reasons,
        'the reasons are in the event',
      );
      const loud = log.records.find(
        (r) =>
          r.msg === 'base verification failed: the rebuilt image does not contain the new base',
      );
      assert.equal(loud?.level, 50, 'logged as an error');
      assert.equal(loud?.digest, built.stale);

      // Seen again (a redelivery or a repeated event): answered from the kept result.
      await bus.publish(rebuilt('app', built.app2, base2, 'moved'));
      await waitFor('nothing pending', async () => {
        const s = await bus.consumerState(scannerConsumer.durable);
        return s.pending === 0 && s.ackPending === 0;
      });
      assert.equal(
        (await trivy.calls()).filter((c) => c.startsWith('image ')).length,
        3,
        'no new scan',
      );
      assert.ok(log.records.some((r) => r.msg === 'already scanned; sending its event again'));
    },
  );

  it('without a scanner, still verifies and compares packages', TIMEOUT, async (t) => {
    const nats = await startNats();
    defer(t, () => nats.close());
    const seen: EventOf<'restack.scan.completed'>[] = [];
    const runtime = await startRuntime({
      name: 'scanner-test-none',
      services: [
        scannerService({
          registries: { [registry.host]: { insecure: true } },
          credentials: createDockerCredentialStore({ DOCKER_CONFIG: join(root, 'docker') }),
        }),
        defineService({
          name: 'observer',
          handlers: [on(completedSpec, (e) => void seen.push(e))],
        }),
      ],
      nats: { servers: nats.url },
      handleSignals: false,
      pullExpiresMs: 1_000,
      logger: silentLogger(),
    });
    defer(t, () => runtime.stop());
    await runtime.ready;
    const bus = runtime.bus()!;
    await bus.publish(rebuilt('app', built.app1, base1, 'first'));
    await waitFor('the first scan', () => seen.some((e) => e.data.digest === built.app1), 60_000);
    await bus.publish(rebuilt('app', built.app2, base2, 'moved'));
    const second = await waitFor(
      'the rescan',
      () => seen.find((e) => e.data.digest === built.app2),
      60_000,
    );
    assert.equal(second.data.scanner, 'none');
    assert.equal(second.data.baseVerified, true);
    assert.deepEqual(second.data.vulnerabilities, {
      critical: 0,
      high: 0,
      medium: 0,
      low: 0,
      unknown: 0,
    });
    const store = kvScanStore(
      await bus.kv(SCANS_BUCKET.name, storedScanSchema),
      await bus.kv(LATEST_BUCKET.name, latestScanSchema),
    );
    const record = (await store.get(`${registry.host}/app`, built.app2))!;
    assert.equal(record.vulnerabilities, null);
    assert.deepEqual(
      record.packages?.upgraded.map((p) => p.name),
      ['libc6'],
    );
    assert.equal(second.data.vulnerabilityDelta, null, 'no scanner: no vulnerability delta');
    assert.equal(second.data.databaseUpdatedAt, null);
  });

  it('uses the previous digest the builder read instead of its own lookup', TIMEOUT, async (t) => {
    const nats = await startNats();
    defer(t, () => nats.close());
    const seen: EventOf<'restack.scan.completed'>[] = [];
    const runtime = await startRuntime({
      name: 'scanner-test-previous',
      services: [
        scannerService({
          registries: { [registry.host]: { insecure: true } },
          credentials: createDockerCredentialStore({ DOCKER_CONFIG: join(root, 'docker') }),
        }),
        defineService({
          name: 'observer',
          handlers: [on(completedSpec, (e) => void seen.push(e))],
        }),
      ],
      nats: { servers: nats.url },
      handleSignals: false,
      pullExpiresMs: 1_000,
      logger: silentLogger(),
    });
    defer(t, () => runtime.stop());
    await runtime.ready;
    const bus = runtime.bus()!;
    // Nothing was scanned under this name: only the event can name the image replaced.
    await bus.publish(rebuilt('app', built.app2, base2, 'told', built.app1));
    const told = await waitFor('the scan', () => seen.find((e) => e.data.digest === built.app2));
    assert.equal(told.data.previousDigest, built.app1);
    assert.deepEqual(told.data.packages?.upgraded, [
      { name: 'libc6', from: '2.36-9+deb12u4', to: '2.36-9+deb12u7' },
    ]);
    // The builder says the tag did not exist before: no delta, even though app2 was scanned since.
    await bus.publish(rebuilt('app', built.app1, base1, 'new-tag', null));
    const fresh = await waitFor('the second scan', () =>
      seen.find((e) => e.data.digest === built.app1),
    );
    assert.equal(fresh.data.previousDigest, null);
    assert.equal(fresh.data.packages, null);
  });
});
