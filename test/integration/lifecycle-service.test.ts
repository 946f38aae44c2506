import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { encodeKvKey, type ConsumerSpec } from '@restack/bus';
import { createEvent, type EventOf } from '@restack/events';
import { createRegistryClient } from '@restack/registry';
import {
  REPORTS_BUCKET,
  VERDICTS_BUCKET,
  configInputs,
  reportRecordSchema,
  startLifecycle,
  sweepEndpoint,
  verdictRecordSchema,
} from '@restack/svc-lifecycle';
import { pushImage, tagManifest } from '../harness/images.js';
import { busFixture, defer, testLogger, waitFor } from '../harness/nats.js';
import { startRegistry } from '../harness/registry.js';
import { z } from 'zod';

const TIMEOUT = { timeout: 180_000 };

const observer = {
  durable: 'lifecycle-test-observer',
  subjects: ['restack.image.stale', 'restack.image.deprecated'],
  deliverFrom: 'all',
} satisfies ConsumerSpec<'restack.image.stale' | 'restack.image.deprecated'>;

describe('lifecycle service', () => {
  it(
    'records sightings, sweeps on demand, publishes stale and deprecated events once, and keeps reports',
    TIMEOUT,
    async (t) => {
      const registry = await startRegistry();
      defer(t, () => registry.close());
      const { url, host } = registry;
      const layer = { files: { 'etc/os-release': 'ID=one\n' } };
      const base1 = await pushImage(url, 'base', '1', {
        layers: [layer],
        config: { created: '2025-01-10T00:00:00Z' },
      });
      const app = await pushImage(url, 'app', '1', {
        layers: [layer, { files: { 'app/a': 'a' } }],
        config: {
          created: '2025-02-01T00:00:00Z',
          user: '10001',
          labels: {
            'org.opencontainers.image.base.name': `${host}/base:1`,
            'org.opencontainers.image.base.digest': base1.digest,
          },
        },
      });
      // A reproducible build: created says 1970, so only first-seen can date it.
      const repro = await pushImage(url, 'repro', '1', {
        layers: [layer, { files: { 'app/r': 'r' } }],
        config: { created: '1970-01-01T00:00:00Z', user: '10001' },
      });
      const base2Layer = { files: { 'etc/os-release': 'ID=two\n' } };
      const base2 = await pushImage(url, 'base', null, {
        layers: [{ files: { 'etc/os-release': 'ID=two\n' } }],
        config: { created: '2025-02-20T00:00:00Z' },
      });
      await tagManifest(url, 'base', '1', base2.digest);
      // Another reproducible build, on the current base, that nobody has seen before.
      await pushImage(url, 'fresh', '1', {
        layers: [base2Layer, { files: { 'app/f': 'f' } }],
        config: { created: '1970-01-01T00:00:00Z', user: '10001' },
      });

      const dir = await mkdtemp(path.join(tmpdir(), 'restack-lifecycle-'));
      defer(t, () => rm(dir, { recursive: true, force: true }));
      await mkdir(path.join(dir, 'repos/app'), { recursive: true });
      await mkdir(path.join(dir, 'repos/repro'), { recursive: true });
      await mkdir(path.join(dir, 'repos/fresh'), { recursive: true });
      await writeFile(
        path.join(dir, 'repos/fresh/Dockerfile'),
        `FROM ${host}/base:1\nUSER 10001\n`,
      );
      await writeFile(path.join(dir, 'repos/app/Dockerfile'), `FROM ${host}/base:1\nUSER 10001\n`);
      await writeFile(
        path.join(dir, 'repos/repro/Dockerfile'),
        `FROM python:3.8 AS tools\nFROM ${host}/base:1\nUSER 10001\n`,
      );
      const config = path.join(dir, 'restack.yaml');
      await writeFile(
        config,
        [
          'sources: [{ path: ./repos }]',
          'images:',
          `  - { name: ${host}/app, tags: ['1'], dockerfile: repos/app/Dockerfile }`,
          `  - { name: ${host}/repro, tags: ['1'], dockerfile: repos/repro/Dockerfile }`,
          `  - { name: ${host}/fresh, tags: ['1'], dockerfile: repos/fresh/Dockerfile }`,
          `registries: { '${host}': { insecure: true } }`,
          'policies:',
          '  - name: freshness',
          '    version: 4',
          '    rules:',
          '      maxAgeDays: { days: 30, action: rebuild }',
          '      maxBaseDriftDays: { days: 10, action: rebuild }',
          '      maxVulnerabilities: { critical: 0, action: warn }',
        ].join('\n'),
      );

      // The registry watcher's state bucket, as it keeps it: it first saw repro:1 on 2025-03-01.
      const { nats, bus } = await busFixture(t, [
        { consumers: [observer], buckets: [{ name: 'restack-digests' }] },
      ]);
      const watcherKv = await bus.kv('restack-digests', z.looseObject({ ref: z.string() }));
      await watcherKv.put(encodeKvKey(`${host}/repro:1`), {
        ref: `${host}/repro:1`,
        digest: repro.digest,
        mediaType: null,
        platforms: null,
        firstSeenAt: '2025-03-01T00:00:00Z',
        lastCheckedAt: '2025-03-20T00:00:00Z',
        lastError: null,
        missing: false,
        pending: null,
      });
      const seen: Array<EventOf<'restack.image.stale'> | EventOf<'restack.image.deprecated'>> = [];
      await bus.consume(observer, (e) => void seen.push(e));

      let now = new Date('2025-03-21T00:00:00Z');
      const client = createRegistryClient({ registries: { [host]: { insecure: true } } });
      defer(t, () => client.close());
      const runtime = await startLifecycle({
        inputs: configInputs(config),
        registry: client,
        plainHttp: (h) => h === host,
        runSchedule: false,
        clock: () => now,
        nats: { servers: nats.url },
        logger: testLogger(),
        handleSignals: false,
        pullExpiresMs: 1_000,
      });
      defer(t, () => runtime.stop());
      await runtime.ready;

      // The watcher saw base:1 move to base2 on 2025-03-01, and a scan of app found a critical vulnerability.
      await bus.publish(
        createEvent('restack.digest.changed', {
          ref: `${host}/base:1`,
          previousDigest: base1.digest,
          digest: base2.digest,
          platforms: [],
          detectedBy: 'poll',
          firstSeenAt: '2025-03-01T00:00:00Z',
        }),
      );
      await bus.publish(
        createEvent(
          'restack.scan.completed',
          {
            image: `${host}/app:1`,
            digest: app.digest,
            scanner: 'grype',
            baseVerified: true,
            vulnerabilities: { critical: 1, high: 0, medium: 0, low: 0, unknown: 0 },
          },
          { occurredAt: new Date('2025-03-20T00:00:00Z') },
        ),
      );
      await waitFor('both events handled', async () => {
        const s = await bus.consumerState('lifecycle');
        return s.pending === 0 && s.ackPending === 0;
      });

      const first = await bus.request(sweepEndpoint, {}, 60_000);
      assert.equal(first.skipped, null);
      assert.equal(first.images, 3);
      // app is 48 days old (limit 30); repro is built on a base that moved 20 days ago (limit 10).
      assert.deepEqual(first.stale, [`${host}/app:1`, `${host}/repro:1`]);
      assert.deepEqual(first.deprecated, [`${host}/repro:1 <- docker.io/library/python:3.8`]);
      assert.ok(first.reports.includes('report.html'));

      const stale = await waitFor('both stale events', () => {
        const list = seen.filter((e) => e.type === 'restack.image.stale');
        return list.length === 2 ? list : undefined;
      });
      const byImage = (suffix: string) => stale.find((e) => e.data.image.endsWith(suffix))!.data;
      assert.deepEqual(byImage('/app:1'), {
        image: `${host}/app:1`,
        digest: app.digest,
        builtAt: '2025-02-01T00:00:00.000Z',
        ageDays: 48,
        maxAgeDays: 30,
      });
      // Drift is carried in ageDays/maxAgeDays when only the drift rule fired (the event names no rule).
      assert.deepEqual(byImage('/repro:1'), {
        image: `${host}/repro:1`,
        digest: repro.digest,
        builtAt: '2025-03-01T00:00:00.000Z',
        ageDays: 20,
        maxAgeDays: 10,
      });
      const deprecated = await waitFor('the deprecated event', () =>
        seen.find((e) => e.type === 'restack.image.deprecated'),
      );
      assert.deepEqual(
        { ...deprecated.data, reason: undefined },
        {
          image: `${host}/repro:1`,
          digest: repro.digest,
          base: 'docker.io/library/python:3.8',
          eolDate: '2024-10-07',
          reason: undefined,
        },
      );

      // The reports: reproducible builds are dated by when restack first saw them: the watcher's
      // state for repro, this sweep for fresh (recorded, so it ages from now on).
      const reports = await bus.kv(REPORTS_BUCKET.name, reportRecordSchema);
      const age = JSON.parse((await reports.get('age.json'))!.value.body) as Array<
        Record<string, unknown>
      >;
      const reproAge = age.find((e) => String(e.image).endsWith('/repro:1'))!;
      assert.deepEqual(
        [reproAge.clock, reproAge.builtAt, reproAge.ageDays],
        ['first-seen', '2025-03-01T00:00:00.000Z', 20],
      );
      const freshAge = age.find((e) => String(e.image).endsWith('/fresh:1'))!;
      assert.deepEqual(
        [freshAge.clock, freshAge.builtAt, freshAge.ageDays, freshAge.baseDriftDays],
        ['first-seen', '2025-03-21T00:00:00.000Z', 0, 0],
      );
      const appAge = age.find((e) => String(e.image).endsWith('/app:1'))!;
      assert.deepEqual(
        [appAge.clock, appAge.ageDays, appAge.baseDriftDays, appAge.driftClock],
        ['created', 48, 20, 'first-seen'],
      );
      assert.match((await reports.get('report.html'))!.value.body, /<svg /);

      // The verdict remembers the scan and the policy version.
      const verdicts = await bus.kv(VERDICTS_BUCKET.name, verdictRecordSchema);
      const record = (await verdicts.get(encodeKvKey(`${host}/app:1`)))!.value;
      const verdict = record.verdict as { policies: unknown; findings: Array<{ rule: string }> };
      assert.deepEqual(verdict.policies, [{ name: 'freshness', version: '4' }]);
      assert.deepEqual(verdict.findings.map((f) => f.rule).sort(), [
        'maxAgeDays',
        'maxBaseDriftDays',
        'maxVulnerabilities',
      ]);

      // Ten days later the same digests are still stale, but nothing is sent twice; the
      // reproducible builds have aged by their first-seen clocks.
      now = new Date('2025-03-31T00:00:00Z');
      const second = await bus.request(sweepEndpoint, {}, 60_000);
      assert.deepEqual([second.stale, second.deprecated], [[], []]);
      const age2 = JSON.parse((await reports.get('age.json'))!.value.body) as Array<
        Record<string, unknown>
      >;
      const ageOf = (suffix: string) => {
        const e = age2.find((x) => String(x.image).endsWith(suffix))!;
        return [e.clock, e.ageDays];
      };
      assert.deepEqual(ageOf('/repro:1'), ['first-seen', 30]);
      assert.deepEqual(ageOf('/fresh:1'), ['first-seen', 10]);
    },
  );
});
