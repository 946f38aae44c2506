import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { decodeKvKey, encodeKvKey, type ConsumerSpec } from '@restack/bus';
import { actionsSchema, campaignRecordSchema, limitsSchema } from '@restack/campaign';
import { loadConfig } from '@restack/config';
import type { EventOf } from '@restack/events';
import { OCI_BASE_DIGEST_LABEL, OCI_BASE_NAME_LABEL } from '@restack/inventory';
import { createDockerCredentialStore } from '@restack/registry';
import { fixKey } from '@restack/scan';
import { defineService, on, startRuntime } from '@restack/service';
import { kvSeenRecorder, startAdmission } from '@restack/svc-admission';
import { CAMPAIGN_BUCKET, dispatcherService } from '@restack/svc-dispatcher';
import { graphService, withGraphPlanner } from '@restack/svc-graph';
import {
  FIXES_BUCKET,
  RESCANS_BUCKET,
  fixSeenSchema,
  rescanRecordSchema,
  scannerService,
} from '@restack/svc-scanner';
import {
  dpkgStatus,
  moveBaseTag,
  pushBaseImage,
  type BaseImageSpec,
} from '../harness/base-images.js';
import { pushImage } from '../harness/images.js';
import { defer, startNats, testLogger, waitFor } from '../harness/nats.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const TIMEOUT = { timeout: 120_000 };
const DAY = 86_400_000;

const V1: BaseImageSpec = {
  packages: [
    { name: 'libc6', version: '2.36-9+deb12u4' },
    { name: 'openssl', version: '3.0.11-1~deb12u2' },
    { name: 'zlib1g', version: '1:1.2.13.dfsg-1' },
  ],
};

const observer = {
  durable: 'rescan-observer',
  subjects: ['restack.image.vulnerable'],
  deliverFrom: 'all',
  backoff: { initialMs: 50, maxMs: 200 },
} satisfies ConsumerSpec<'restack.image.vulnerable'>;

/** A Trivy JSON report (SchemaVersion 2) with the given findings. */
function trivyReport(vulns: Array<Record<string, string>>): string {
  return JSON.stringify({
    SchemaVersion: 2,
    Trivy: { Version: '0.59.1' },
    Results: [
      {
        Target: 'image (debian 12.5)',
        Class: 'os-pkgs',
        Type: 'debian',
        Vulnerabilities: vulns,
      },
    ],
  });
}

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI. */
async function selfSigned(dir: string): Promise<{ key: Buffer; cert: Buffer }> {
  const key = join(dir, 'tls.key');
  const cert = join(dir, 'tls.crt');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=restack-admission',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { key: await readFile(key), cert: await readFile(cert) };
}

/** An AdmissionReview (admission.k8s.io/v1) creating a Pod with `image`; the HTTP status. */
function postPod(port: number, ca: Buffer, image: string): Promise<number> {
  const body = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'uid-rescan',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      name: 'web',
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'alice', groups: ['system:authenticated'] },
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { containers: [{ name: 'web', image }] },
      },
      oldObject: null,
      dryRun: false,
    },
  };
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/admission/validate', method: 'POST', ca },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/**
 * The scheduled rescan over real NATS and a real registry. An app image is
 * built on base:12 (OCI base labels, the base's layers first); then base:12
 * moves to a digest whose dpkg database has openssl's fixed version. A
 * `trivy` on PATH reports the app's openssl finding. The cron schedule (every
 * second) rescans the catalog and the images the admission webhook reviewed;
 * the fixable finding starts a `vulnerable` campaign through the graph's
 * planner; an image whose findings the newer base does not fix gets the
 * event with rebuild.started false, its days since advisory and since fix.
 */
describe('scheduled rescans (NATS, registry, a trivy on PATH)', () => {
  let registry: TestRegistry;
  let root: string;
  let base1 = '';
  let base2 = '';
  let app = '';
  let other = '';
  let legacy = '';

  before(async () => {
    registry = await startRegistry();
    root = await mkdtemp(join(tmpdir(), 'restack-rescan-'));
    const h = registry.host;
    const pushedBase = await pushBaseImage(registry.url, 'base', '12', V1);
    base1 = pushedBase.digest;
    // The base's two layers (as pushBaseImage writes them), then the app's own.
    const onBase = (repo: string, tag: string, text: string) =>
      pushImage(registry.url, repo, tag, {
        layers: [
          { busybox: true, files: { 'tmp/.keep': '' } },
          {
            files: {
              'var/lib/dpkg/status': dpkgStatus(V1.packages),
              'etc/restack-base': 'base:12\n',
            },
          },
          { files: { 'app.txt': text } },
        ],
        config: {
          cmd: ['/bin/sh'],
          labels: { [OCI_BASE_NAME_LABEL]: `${h}/base:12`, [OCI_BASE_DIGEST_LABEL]: base1 },
        },
      });
    const appImage = await onBase('app', '1', 'app\n');
    assert.deepEqual(
      appImage.diffIds.slice(0, 2),
      pushedBase.diffIds,
      'the app image starts with the base layers',
    );
    app = appImage.digest;
    other = (await onBase('other', '3', 'other\n')).digest;
    legacy = (await onBase('legacy', '2', 'legacy\n')).digest;
    base2 = (await moveBaseTag(registry.url, 'base', '12', V1, { openssl: '3.0.13-1~deb12u1' }))
      .image.digest;
  });

  after(async () => {
    await registry?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /**
   * Findings for the app and the other image; the moved base still shows
   * what it has not fixed (libc6, zlib1g), not openssl; anything else is clean.
   */
  async function fakeTrivy(): Promise<NodeJS.ProcessEnv> {
    const bin = join(root, 'bin');
    await mkdir(bin, { recursive: true });
    const appReport = trivyReport([
      {
        VulnerabilityID: 'CVE-2024-0727',
        PkgName: 'openssl',
        InstalledVersion: '3.0.11-1~deb12u2',
        FixedVersion: '3.0.13-1~deb12u1',
        Severity: 'MEDIUM',
        PublishedDate: '2024-01-26T09:15:07.637Z',
      },
    ]);
    const otherReport = trivyReport([
      {
        VulnerabilityID: 'CVE-2024-2961',
        PkgName: 'libc6',
        InstalledVersion: '2.36-9+deb12u4',
        FixedVersion: '2.36-9+deb12u7',
        Severity: 'HIGH',
        PublishedDate: '2024-04-17T18:15:15.833Z',
      },
      {
        VulnerabilityID: 'CVE-2023-45853',
        PkgName: 'zlib1g',
        InstalledVersion: '1:1.2.13.dfsg-1',
        Severity: 'CRITICAL',
        Status: 'will_not_fix',
        PublishedDate: '2023-10-14T02:15:09.323Z',
      },
    ]);
    const baseReport = trivyReport(
      (
        JSON.parse(otherReport) as {
          Results: Array<{ Vulnerabilities: Array<Record<string, string>> }>;
        }
      ).Results[0]!.Vulnerabilities,
    );
    await writeFile(join(bin, 'base.json'), baseReport);
    await writeFile(join(bin, 'app.json'), appReport);
    await writeFile(join(bin, 'other.json'), otherReport);
    await writeFile(join(bin, 'clean.json'), trivyReport([]));
    await writeFile(
      join(bin, 'version.json'),
      JSON.stringify({
        Version: '0.59.1',
        VulnerabilityDB: { Version: 2, UpdatedAt: '2025-02-01T12:13:39.162498171Z' },
      }),
    );
    await writeFile(
      join(bin, 'trivy'),
      `#!/bin/sh
case "$1" in version) cat "${bin}/version.json"; exit 0;; esac
case "$*" in
  *${app}*) cat "${bin}/app.json";;
  *${other}*|*${legacy}*) cat "${bin}/other.json";;
  *${base2}*) cat "${bin}/base.json";;
  *) cat "${bin}/clean.json";;
esac
`,
    );
    await chmod(join(bin, 'trivy'), 0o755);
    const dockerConfig = join(root, 'docker');
    await mkdir(dockerConfig, { recursive: true });
    return {
      ...process.env,
      PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
      DOCKER_CONFIG: dockerConfig,
    };
  }

  it(
    'a fixable finding starts a campaign; an unfixed one is reported with its days',
    TIMEOUT,
    async (t) => {
      const h = registry.host;
      const env = await fakeTrivy();
      const repos = join(root, 'repos');
      await mkdir(join(repos, 'app'), { recursive: true });
      await mkdir(join(repos, 'tool'), { recursive: true });
      await mkdir(join(repos, 'legacy'), { recursive: true });
      await writeFile(join(repos, 'legacy', 'Dockerfile'), `FROM ${h}/base:12\n`);
      await writeFile(join(repos, 'app', 'Dockerfile'), `FROM ${h}/base:12\n`);
      await writeFile(join(repos, 'tool', 'Dockerfile'), `FROM ${h}/app:1\n`);
      await writeFile(
        join(root, 'restack.yaml'),
        [
          'sources: [{ path: ./repos }]',
          'images:',
          `  - { name: ${h}/app, tags: ['1'], dockerfile: repos/app/Dockerfile }`,
          `  - { name: ${h}/legacy, tags: ['2'], dockerfile: repos/legacy/Dockerfile }`,
          'scanner:',
          '  type: trivy',
          // Every second (node-cron's seconds field), so the cron path runs in the test.
          "  rescan: { cron: '* * * * * *' }",
          'registries:',
          `  '${h}': { insecure: true }`,
        ].join('\n'),
      );
      const loaded = await loadConfig(join(root, 'restack.yaml'));
      const config = loaded.config;
      assert.equal(config.scanner.type, 'trivy');

      const nats = await startNats();
      defer(t, () => nats.close());
      const seen: Array<EventOf<'restack.image.vulnerable'>> = [];
      const runtime = await startRuntime({
        name: 'rescan-test',
        nats: { servers: nats.url },
        logger: testLogger(),
        handleSignals: false,
        pullExpiresMs: 1_000,
        services: [
          scannerService({
            scanner: config.scanner,
            registries: config.registries,
            images: config.images,
            credentials: createDockerCredentialStore(env),
            env,
          }),
          graphService({ config: loaded, cacheDir: join(root, 'cache') }),
          withGraphPlanner((planner) =>
            dispatcherService({
              config: {
                limits: limitsSchema.parse({}),
                actions: actionsSchema.parse([{ image: '*', action: 'build' }]),
              },
              planner,
              tickMs: 200,
            }),
          ),
          defineService({ name: 'observer', handlers: [on(observer, (e) => void seen.push(e))] }),
        ],
      });
      defer(t, () => runtime.stop('test'));
      await runtime.ready;
      const bus = runtime.bus()!;

      // restack saw the libc6 fix ten days ago (a report without fix dates).
      const fixes = await bus.kv(FIXES_BUCKET.name, fixSeenSchema);
      const tenDaysAgo = new Date(Date.now() - 10 * DAY).toISOString();
      await fixes.put(
        encodeKvKey(
          fixKey({ id: 'CVE-2024-2961', package: 'libc6', fixedVersion: '2.36-9+deb12u7' }),
        ),
        { firstSeenAt: tenDaysAgo },
      );
      // The admission webhook reviews a pod running `other`, which restack does not build.
      const recorder = kvSeenRecorder(bus, testLogger());
      const tls = await selfSigned(root);
      const admission = await startAdmission({
        loaded,
        tls,
        port: 0,
        host: '127.0.0.1',
        logger: testLogger(),
        seen: recorder,
      });
      defer(t, () => admission.close());
      assert.equal(await postPod(admission.port, tls.cert, `${h}/other:3`), 200);
      await recorder.flush();

      const appRef = `${h}/app:1`;
      const fixable = await waitFor(
        'the vulnerable event for the app',
        () => seen.find((e) => e.data.image === appRef),
        60_000,
      );
      assert.equal(fixable.data.digest, app);
      assert.equal(fixable.data.source, 'catalog');
      assert.equal(fixable.data.scanner, 'trivy');
      assert.equal(fixable.data.databaseUpdatedAt, '2025-02-01T12:13:39.162498171Z');
      assert.deepEqual(fixable.data.base && { ...fixable.data.base, notes: [] }, {
        ref: `${h}/base:12`,
        source: 'label',
        builtOn: base1,
        current: base2,
        newer: true,
        notes: [],
      });
      const openssl = fixable.data.findings.find((f) => f.id === 'CVE-2024-0727')!;
      assert.equal(openssl.fixableByBase.fixable, true, openssl.fixableByBase.reason);
      assert.equal(openssl.fixableByBase.baseVersion, '3.0.13-1~deb12u1');
      assert.equal(openssl.fixableByBase.baseScanShows, false);
      assert.ok((openssl.daysSinceAdvisory ?? 0) > 300, 'published in January 2024');
      const campaignId = `vulnerable:${appRef}@${app}`;
      assert.deepEqual(fixable.data.rebuild.started, true);
      assert.equal(fixable.data.rebuild.campaignId, campaignId);
      assert.match(fixable.data.rebuild.reason, /CVE-2024-0727/);

      // The dispatcher plans the app's Dockerfile, then the tool built on it.
      const campaigns = await bus.kv(CAMPAIGN_BUCKET.name, campaignRecordSchema);
      const record = await waitFor('the vulnerable campaign', async () => {
        const r = (await campaigns.get(encodeKvKey(campaignId)))?.value;
        return r?.targets['repos/app/Dockerfile']?.state === 'requested' ? r : false;
      });
      assert.equal(record.reason, 'vulnerable');
      assert.equal(record.targets['repos/tool/Dockerfile']?.state, 'pending');

      // The image only the admission webhook saw: not fixable by its base, days reported.
      const otherRef = `${h}/other:3`;
      const unfixed = await waitFor(
        'the vulnerable event for the admitted image',
        () => seen.find((e) => e.data.image === otherRef),
        60_000,
      );
      assert.equal(unfixed.data.source, 'admission');
      assert.equal(unfixed.data.rebuild.started, false);
      assert.equal(unfixed.data.rebuild.campaignId, undefined);
      assert.match(unfixed.data.rebuild.reason, /does not fix any finding/);
      const libc = unfixed.data.findings.find((f) => f.package === 'libc6')!;
      assert.equal(libc.fixableByBase.fixable, false);
      assert.match(libc.fixableByBase.reason, /still has libc6 2\.36-9\+deb12u4/);
      assert.deepEqual(libc.fixSince, { at: tenDaysAgo, source: 'first-seen' });
      assert.equal(libc.daysSinceFix, 10);
      assert.ok((libc.daysSinceAdvisory ?? 0) > 200);
      const zlib = unfixed.data.findings.find((f) => f.package === 'zlib1g')!;
      assert.equal(zlib.fixedVersion, null);
      assert.equal(zlib.daysSinceFix, null);
      assert.equal(zlib.fixSince, null);
      assert.ok((zlib.daysSinceAdvisory ?? 0) > 365);
      // A catalog image restack builds, whose findings the newer base does not fix either.
      const legacyEvent = await waitFor(
        'the vulnerable event for the legacy image',
        () => seen.find((e) => e.data.image === `${h}/legacy:2`),
        60_000,
      );
      assert.equal(legacyEvent.data.digest, legacy);
      assert.equal(legacyEvent.data.source, 'catalog');
      assert.equal(legacyEvent.data.rebuild.started, false);
      assert.match(legacyEvent.data.rebuild.reason, /does not fix any finding/);
      // No campaign for either, however many runs went by: only the app's.
      await waitFor('a few more scheduled runs', () =>
        seen.filter((e) => e.data.image === `${h}/legacy:2`).length >= 3 ? true : false,
      );
      const ids = (await campaigns.keys()).map(decodeKvKey);
      assert.deepEqual(ids, [campaignId]);

      // The results are kept with the scanner's database date.
      const rescans = await bus.kv(RESCANS_BUCKET.name, rescanRecordSchema);
      const kept = (await rescans.get(encodeKvKey(otherRef)))!.value;
      assert.equal(kept.digest, other);
      assert.equal(kept.databaseUpdatedAt, '2025-02-01T12:13:39.162498171Z');
      assert.equal(kept.counts.critical, 1);
    },
  );
});
