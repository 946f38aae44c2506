import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeKvKey, type ConsumerSpec } from '@restack/bus';
import { campaignRecordSchema, limitsSchema } from '@restack/campaign';
import { createLogger, silentLogger } from '@restack/core';
import { createEvent, type EventOf, type RestackEvent } from '@restack/events';
import { policiesSchema } from '@restack/lifecycle';
import { promoteSchema } from '@restack/promote';
import { localRepositories } from '@restack/rebuild';
import { createDockerCredentialStore } from '@restack/registry';
import { defineService, on, startRuntime } from '@restack/service';
import { builderService } from '@restack/svc-builder';
import { CAMPAIGN_BUCKET, dispatcherService } from '@restack/svc-dispatcher';
import { STATUS_CONTEXT, promoterService } from '@restack/svc-promoter';
import { scannerService } from '@restack/svc-scanner';
import { tokenAdapter } from '../github-server/clients.js';
import { startGitHubServer, type GitHubTestServer } from '../github-server/index.js';
import { pushBaseImage } from '../harness/base-images.js';
import { defer, startNats, waitFor } from '../harness/nats.js';
import { startPodman, type TestPodman } from '../harness/podman.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

// The whole gate over real parts: dispatcher, builder (podman, sources from the
// GitHub test server), scanner, promoter, a registry. A two-wave campaign
// parent -> child where the parent's image has `promote` config and the policy
// denies images that run as root.

const TIMEOUT = { timeout: 300_000 };
const ACCEPT =
  'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

const watched = [
  'restack.build.requested',
  'restack.build.completed',
  'restack.build.failed',
  'restack.image.promoted',
  'restack.promotion.refused',
] as const;
const observed = {
  durable: 'observer',
  subjects: [...watched],
  backoff: { initialMs: 50, maxMs: 200 },
} satisfies ConsumerSpec<(typeof watched)[number]>;

describe('promotion pipeline (NATS, podman, registry, GitHub test server)', () => {
  let registry: TestRegistry;
  let podman: TestPodman;
  let server: GitHubTestServer;
  let root: string;
  let h: string;
  let baseDigest: string;
  let commit: string;

  before(async () => {
    registry = await startRegistry();
    h = registry.host;
    podman = await startPodman({ insecureRegistries: [h] });
    server = await startGitHubServer();
    root = await mkdtemp(join(tmpdir(), 'restack-promotion-'));
    await mkdir(join(root, 'docker'));
    baseDigest = (
      await pushBaseImage(registry.url, 'base', '12', {
        packages: [{ name: 'libc6', version: '2.36-9+deb12u4' }],
      })
    ).digest;
    const created = await server.control.createRepo({
      owner: 'acme',
      name: 'platform',
      files: {
        // Passes the gate: runs as an unprivileged user.
        'good/Dockerfile': `FROM ${h}/base:12\nRUN echo good > /good.txt\nUSER 65532\n`,
        // Refused: no USER, so it runs as root.
        'rooted/Dockerfile': `FROM ${h}/base:12\nRUN echo rooted > /rooted.txt\n`,
        'app/Dockerfile': `FROM ${h}/platform/good:1\nRUN cat /good.txt\n`,
        'app-rooted/Dockerfile': `FROM ${h}/platform/rooted:1\nRUN cat /rooted.txt\n`,
      },
    });
    commit = created.sha;
  });

  after(async () => {
    await podman?.close();
    await registry?.close();
    await server?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function head(repo: string, tag: string): Promise<string | null> {
    const res = await fetch(`${registry.url}/v2/${repo}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { accept: ACCEPT },
    });
    return res.ok ? res.headers.get('docker-content-digest') : null;
  }

  /** Every service of the pipeline plus an observer, on a fresh NATS. */
  async function pipeline(t: Parameters<typeof defer>[0]) {
    const nats = await startNats();
    defer(t, () => nats.close());
    const { github } = tokenAdapter(server);
    const promote = promoteSchema.parse({});
    const images = [
      { name: `${h}/platform/good`, tags: ['1'], promote },
      { name: `${h}/platform/rooted`, tags: ['1'], promote },
    ];
    const registries = { [h]: { insecure: true } };
    const credentials = createDockerCredentialStore({ DOCKER_CONFIG: join(root, 'docker') });
    const seen: RestackEvent[] = [];
    const runtime = await startRuntime({
      name: 'promotion-test',
      services: [
        dispatcherService({
          config: { actions: [], limits: limitsSchema.parse({}) },
          tickMs: 500,
        }),
        builderService({
          engine: podman.url,
          concurrency: 1,
          sources: localRepositories({}),
          github,
          images,
          registries,
          credentials,
        }),
        scannerService({ registries, credentials }),
        promoterService({
          images,
          policies: policiesSchema.parse([
            { name: 'production', rules: { nonRootUser: { action: 'deny' } } },
          ]),
          registries,
          credentials,
          github,
        }),
        defineService({ name: 'observer', handlers: [on(observed, (e) => void seen.push(e))] }),
      ],
      nats: { servers: nats.url },
      handleSignals: false,
      pullExpiresMs: 1_000,
      logger: process.env.RESTACK_TEST_LOG
        ? createLogger({ level: process.env.RESTACK_TEST_LOG })
        : silentLogger(),
    });
    defer(t, () => runtime.stop());
    await runtime.ready;
    const bus = runtime.bus()!;
    const plan = (campaignId: string, parent: string, child: string) =>
      bus.publish(
        createEvent('restack.campaign.planned', {
          campaignId,
          trigger: { ref: `${h}/base:12`, previousDigest: null, digest: baseDigest },
          waves: [[parent], [child]],
          targets: [
            {
              id: parent,
              image: `${h}/platform/${parent}:1`,
              repository: 'acme/platform',
              dockerfile: `${parent}/Dockerfile`,
              strategy: 'build',
              parents: [],
              baseBranch: 'main',
            },
            {
              id: child,
              image: `${h}/team/${child}:1`,
              repository: 'acme/platform',
              dockerfile: `${child}/Dockerfile`,
              strategy: 'build',
              parents: [parent],
              baseBranch: 'main',
            },
          ],
        }),
      );
    const campaign = async (id: string) => {
      const kv = await bus.kv(CAMPAIGN_BUCKET.name, campaignRecordSchema);
      return (await kv.get(encodeKvKey(id)))?.value ?? null;
    };
    const find = <T extends (typeof watched)[number]>(type: T, targetId: string) =>
      seen.find(
        (e): e is EventOf<T> =>
          e.type === type && 'targetId' in e.data && e.data.targetId === targetId,
      );
    const noFailure = () => {
      const failed = seen.find((e) => e.type === 'restack.build.failed');
      if (failed) assert.fail(`a build failed: ${JSON.stringify(failed.data)}`);
    };
    return { seen, plan, campaign, find, noFailure };
  }

  it(
    'promotes a parent that passes the gate, then builds its child on the promoted digest',
    TIMEOUT,
    async (t) => {
      const p = await pipeline(t);
      await p.plan('promote-ok', 'good', 'app');
      const staged = await waitFor(
        'the parent staged',
        () => (p.noFailure(), p.find('restack.build.completed', 'good')),
        180_000,
      );
      assert.deepEqual(staged.data.tags, [`sha-${commit.slice(0, 12)}`], 'only the staging tag');
      assert.deepEqual(staged.data.promotion?.to, ['1']);
      const promoted = await waitFor(
        'image.promoted',
        () => p.find('restack.image.promoted', 'good'),
        60_000,
      );
      assert.equal(promoted.data.digest, staged.data.digest);
      assert.deepEqual(promoted.data.promoted, [`${h}/platform/good:1`]);
      assert.ok(
        promoted.data.verdicts.some((v) => v.rule === 'nonRootUser' && v.result === 'pass'),
        JSON.stringify(promoted.data.verdicts),
      );
      assert.equal(await head('platform/good', '1'), staged.data.digest, 'production moved');
      assert.equal(
        await head('platform/good', `sha-${commit.slice(0, 12)}`),
        staged.data.digest,
        'the staging tag stays',
      );

      const child = await waitFor(
        'the child built',
        () => (p.noFailure(), p.find('restack.build.completed', 'app')),
        180_000,
      );
      const request = p.find('restack.build.requested', 'app');
      assert.deepEqual(
        request?.data.pins?.[0],
        { ref: `${h}/platform/good:1`, digest: staged.data.digest },
        'the child pins the promoted parent',
      );
      assert.equal(child.data.promotion, undefined, 'the child has no promote config');
      assert.equal(await head('team/app', '1'), child.data.digest);

      const statuses = server.control
        .statuses({ owner: 'acme', repo: 'platform' })
        .filter((s) => s.context === STATUS_CONTEXT);
      assert.deepEqual(
        statuses.map((s) => [s.sha, s.state]),
        [[commit, 'success']],
      );
      const record = await waitFor('campaign finished', async () => {
        const c = await p.campaign('promote-ok');
        return c?.state === 'finished' ? c : undefined;
      });
      assert.equal(record.targets.good?.state, 'done');
      assert.equal(record.targets.app?.state, 'done');
    },
  );

  it(
    'refuses a parent that runs as root: production unchanged, the child never built',
    TIMEOUT,
    async (t) => {
      // Production before the campaign.
      const before = (await pushBaseImage(registry.url, 'platform/rooted', '1', { packages: [] }))
        .digest;
      const p = await pipeline(t);
      await p.plan('promote-refused', 'rooted', 'app-rooted');
      const refused = await waitFor(
        'promotion.refused',
        () => (p.noFailure(), p.find('restack.promotion.refused', 'rooted')),
        240_000,
      );
      assert.match(refused.data.reason, /nonRootUser/);
      assert.ok(
        refused.data.verdicts.some((v) => v.rule === 'nonRootUser' && v.result === 'fail'),
        JSON.stringify(refused.data.verdicts),
      );
      assert.equal(await head('platform/rooted', '1'), before, 'production unchanged');
      assert.equal(p.find('restack.image.promoted', 'rooted'), undefined);

      const record = await waitFor('campaign finished', async () => {
        const c = await p.campaign('promote-refused');
        return c?.state === 'finished' ? c : undefined;
      });
      assert.equal(record.targets.rooted?.state, 'failed');
      assert.equal(record.targets['app-rooted']?.state, 'blocked');
      assert.match(
        record.targets['app-rooted']?.reason ?? '',
        /^waiting on promotion of rooted: refused: .*nonRootUser/,
      );
      assert.equal(
        p.find('restack.build.requested', 'app-rooted'),
        undefined,
        'the child was never requested',
      );
      assert.equal(await head('team/app-rooted', '1'), null, 'nothing built on the refused parent');

      // Set before the event is sent, so it is there already.
      const statuses = server.control
        .statuses({ owner: 'acme', repo: 'platform' })
        .filter((s) => s.context === STATUS_CONTEXT && s.state === 'failure');
      assert.equal(statuses.length, 1);
      assert.equal(statuses[0]!.sha, commit);
      assert.match(statuses[0]!.description ?? '', /^not promoted: .*nonRootUser/);
    },
  );
});
