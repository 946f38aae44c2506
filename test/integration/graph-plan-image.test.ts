import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { encodeKvKey, type ConsumerSpec } from '@restack/bus';
import { actionsSchema, campaignRecordSchema, limitsSchema } from '@restack/campaign';
import { loadConfig } from '@restack/config';
import { createEvent, type EventOf } from '@restack/events';
import { startRuntime } from '@restack/service';
import { CAMPAIGN_BUCKET, dispatcherService } from '@restack/svc-dispatcher';
import { graphEndpoints, graphService, withGraphPlanner } from '@restack/svc-graph';
import { busFixture, defer, testLogger, waitFor } from '../harness/nats.js';

// Image-age campaigns as `restack up` wires them: the dispatcher's planner asks the
// graph service over NATS (restack.rpc.graph.plan-image) for the stale image's own
// Dockerfile and its descendants.

const REG = 'registry.example.com';
const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

const observer = {
  durable: 'plan-image-test-observer',
  subjects: ['restack.build.requested'],
  deliverFrom: 'all',
} satisfies ConsumerSpec<'restack.build.requested'>;

describe('graph plan-image and the dispatcher planner', () => {
  it(
    'a published image.stale starts a campaign: the image Dockerfile first, then its children',
    { timeout: 120_000 },
    async (t) => {
      const dir = await mkdtemp(path.join(tmpdir(), 'restack-plan-image-'));
      defer(t, () => rm(dir, { recursive: true, force: true }));
      const files: Record<string, string> = {
        'repos/base/Dockerfile': 'FROM debian:bookworm\n',
        'repos/app/Dockerfile': `FROM ${REG}/platform/base:1\n`,
        'repos/tool/Dockerfile': `FROM ${REG}/platform/app:2\n`,
        // Built on both: waits for the deepest parent.
        'repos/both/Dockerfile': `FROM ${REG}/platform/base:1 AS b\nFROM ${REG}/platform/app:2\n`,
        'repos/other/Dockerfile': 'FROM alpine:3.20\n',
      };
      for (const [file, text] of Object.entries(files)) {
        await mkdir(path.join(dir, path.dirname(file)), { recursive: true });
        await writeFile(path.join(dir, file), text);
      }
      await writeFile(
        path.join(dir, 'restack.yaml'),
        [
          'sources: [{ path: ./repos }]',
          'images:',
          `  - { name: ${REG}/platform/base, tags: ['1'], dockerfile: repos/base/Dockerfile }`,
          `  - { name: ${REG}/platform/app, tags: ['2'], dockerfile: repos/app/Dockerfile }`,
        ].join('\n'),
      );
      const loaded = await loadConfig(path.join(dir, 'restack.yaml'));

      const { nats, bus } = await busFixture(t, [{ consumers: [observer] }]);
      const requested: Array<EventOf<'restack.build.requested'>> = [];
      await bus.consume(observer, (e) => void requested.push(e));
      const runtime = await startRuntime({
        name: 'plan-image-test',
        nats: { servers: nats.url },
        logger: testLogger(),
        handleSignals: false,
        pullExpiresMs: 1_000,
        services: [
          graphService({ config: loaded, cacheDir: path.join(dir, 'cache') }),
          // The same wiring as cli/src/up/services.ts.
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
        ],
      });
      defer(t, () => runtime.stop('test'));
      await runtime.ready;

      // The endpoint on its own: an image nobody builds has no plan.
      assert.equal(await bus.request(graphEndpoints.planImage, { image: 'alpine:3.20' }), null);
      const appPlan = await bus.request(graphEndpoints.planImage, {
        image: `${REG}/platform/app:2`,
      });
      assert.deepEqual(appPlan?.waves, [
        ['repos/app/Dockerfile'],
        ['repos/both/Dockerfile', 'repos/tool/Dockerfile'],
      ]);

      const image = `${REG}/platform/base:1`;
      await bus.publish(
        createEvent('restack.image.stale', {
          image,
          digest: D(7),
          builtAt: '2025-01-01T00:00:00Z',
          ageDays: 120,
          maxAgeDays: 30,
        }),
      );
      const campaigns = await bus.kv(CAMPAIGN_BUCKET.name, campaignRecordSchema);
      const campaignId = `stale:${image}@${D(7)}`;
      const record = await waitFor('the stale campaign', async () => {
        const r = (await campaigns.get(encodeKvKey(campaignId)))?.value;
        return r?.targets['repos/base/Dockerfile']?.state === 'requested' ? r : false;
      });
      assert.equal(record.reason, 'stale');
      assert.deepEqual(record.trigger.ref, image);
      const targets = Object.values(record.targets);
      const waves = [...new Set(targets.map((x) => x.wave))].map((w) =>
        targets
          .filter((x) => x.wave === w)
          .map((x) => x.id)
          .sort(),
      );
      assert.deepEqual(waves, [
        ['repos/base/Dockerfile'],
        ['repos/app/Dockerfile'],
        ['repos/both/Dockerfile', 'repos/tool/Dockerfile'],
      ]);
      const base = record.targets['repos/base/Dockerfile']!;
      assert.equal(base.repository, 'local/repos');
      assert.equal(base.dockerfile, 'base/Dockerfile');
      assert.equal(base.image, image);
      for (const child of targets.filter((x) => x.wave > 0)) {
        assert.equal(child.state, 'pending', `${child.id} waits for its parents`);
      }
      assert.equal(record.targets['repos/other/Dockerfile'], undefined);

      // Only the image's own Dockerfile is requested so far.
      await waitFor('the base build request', () => requested.length > 0);
      assert.deepEqual(
        requested.map((e) => e.data.dockerfile),
        ['base/Dockerfile'],
      );
    },
  );
});
