import { Registry } from 'prom-client';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { ConsumerSpec } from '@restack/bus';
import { createLogger } from '@restack/core';
import { createEvent, type EventOf, type RestackEvent } from '@restack/events';
import { createFetchImageSource, readImage } from '@restack/inventory';
import { localRepositories } from '@restack/rebuild';
import { createDockerCredentialStore } from '@restack/registry';
import { defineService, on, startRuntime, type ServiceContext } from '@restack/service';
import {
  BUILDS_BUCKET,
  builderConsumer,
  builderService,
  handleBuildRequested,
  type BuilderOptions,
} from '@restack/svc-builder';
import { pushBaseImage } from '../harness/base-images.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { busFixture, defer, testLogger, waitFor } from '../harness/nats.js';
import { startNats, type TestNats } from '../harness/nats.js';
import { startPodman, type TestPodman } from '../harness/podman.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const run = promisify(execFile);
const TIMEOUT = { timeout: 180_000 };

const observed = {
  durable: 'observer',
  subjects: ['restack.build.completed', 'restack.build.failed', 'restack.image.rebuilt'],
  backoff: { initialMs: 50, maxMs: 200 },
} satisfies ConsumerSpec<
  'restack.build.completed' | 'restack.build.failed' | 'restack.image.rebuilt'
>;

/** A real pino logger whose records the test can read. */
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
 * The builder service over real NATS, podman and a registry (behind a
 * proxy that counts pushes): build.requested becomes a pushed image and
 * build.completed + image.rebuilt; a request seen again pushes nothing.
 */
describe('builder service (NATS, podman, registry)', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let podman: TestPodman;
  let root: string;
  let repo: string;
  let commit: string;
  let baseDigest: string;
  let options: BuilderOptions;

  before(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy(registry.url);
    podman = await startPodman({ insecureRegistries: [registry.host, proxy.host] });
    root = await mkdtemp(join(tmpdir(), 'restack-builder-'));
    baseDigest = (
      await pushBaseImage(registry.url, 'base', '12', {
        packages: [{ name: 'libc6', version: '2.36-9+deb12u4' }],
      })
    ).digest;
    repo = join(root, 'app-repo');
    const files: Record<string, string> = {
      'images/app/Dockerfile': `FROM ${registry.host}/base:12\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\n`,
      'images/app/hello.txt': 'hello from the commit\n',
      'images/broken/Dockerfile': `FROM ${registry.host}/base:12\nRUN echo started\nRUN echo oops-output; exit 4\n`,
    };
    for (const [file, text] of Object.entries(files)) {
      await mkdir(dirname(join(repo, file)), { recursive: true });
      await writeFile(join(repo, file), text);
    }
    const g = (...args: string[]) =>
      run('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args]);
    await g('init', '-q', '-b', 'main');
    await g('add', '.');
    await g('commit', '-q', '-m', 'app');
    commit = (await g('rev-parse', 'HEAD')).stdout.trim();
    // A later, uncommitted edit on disk: the build must not see it.
    await writeFile(join(repo, 'images/app/hello.txt'), 'uncommitted edit\n');
    await mkdir(join(root, 'docker'));
    options = {
      engine: podman.url,
      concurrency: 1,
      sources: localRepositories({ 'acme/app': repo }),
      registries: { [registry.host]: { insecure: true }, [proxy.host]: { insecure: true } },
      credentials: createDockerCredentialStore({ DOCKER_CONFIG: join(root, 'docker') }),
    };
  });

  after(async () => {
    await podman?.close();
    await proxy?.close();
    await registry?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  function request(campaignId: string, targetId: string, folder: string, image: string) {
    return createEvent('restack.build.requested', {
      campaignId,
      targetId,
      image: `${proxy.host}/${image}`,
      tags: ['1'],
      repository: 'acme/app',
      revision: 'main',
      context: `images/${folder}`,
      dockerfile: `images/${folder}/Dockerfile`,
      baseRef: `${registry.host}/base:12`,
      baseDigest,
      platforms: [],
    });
  }

  const manifestPuts = (image: string) =>
    proxy.count({ method: 'PUT', path: new RegExp(`^/v2/${image}/manifests/`) });

  it(
    'builds, pushes once, and answers a repeated request with the same events',
    TIMEOUT,
    async (t) => {
      const nats: TestNats = await startNats();
      defer(t, () => nats.close());
      const seen: RestackEvent[] = [];
      const log = capture();
      const observer = defineService({
        name: 'observer',
        handlers: [on(observed, (event) => void seen.push(event))],
      });
      const runtime = await startRuntime({
        name: 'builder-test',
        services: [builderService(options), observer],
        nats: { servers: nats.url },
        handleSignals: false,
        pullExpiresMs: 1_000,
        logger: log.logger,
      });
      defer(t, () => runtime.stop());
      await runtime.ready;
      const bus = runtime.bus()!;

      const first = request('c-1', 'app', 'app', 'app');
      await bus.publish(first);
      const completed = await waitFor(
        'build.completed',
        () =>
          seen.find(
            (e): e is EventOf<'restack.build.completed'> => e.type === 'restack.build.completed',
          ),
        120_000,
      );
      const rebuilt = await waitFor('image.rebuilt', () =>
        seen.find((e): e is EventOf<'restack.image.rebuilt'> => e.type === 'restack.image.rebuilt'),
      );
      assert.equal(completed.data.targetId, 'app');
      assert.equal(completed.campaignId, 'c-1');
      assert.equal(rebuilt.data.digest, completed.data.digest);
      assert.equal(rebuilt.data.baseDigest, baseDigest);
      assert.equal(rebuilt.data.baseRef, `${registry.host}/base:12`);
      assert.equal(rebuilt.data.previousDigest, null, 'app:1 did not exist before this push');
      assert.equal(rebuilt.data.revision, commit);
      assert.equal(manifestPuts('app'), 1, 'one push');

      const head = await fetch(`${registry.url}/v2/app/manifests/1`, {
        method: 'HEAD',
        headers: {
          accept:
            'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
        },
      });
      assert.equal(
        head.headers.get('docker-content-digest'),
        completed.data.digest,
        'the digest sent is the one pushed',
      );
      const config = (
        await readImage(createFetchImageSource(), `${registry.host}/app@${completed.data.digest}`)
      ).config;
      const labels = config.config?.Labels ?? {};
      assert.equal(labels['org.opencontainers.image.base.digest'], baseDigest);
      assert.equal(labels['org.opencontainers.image.base.name'], `${registry.host}/base:12`);
      assert.equal(
        labels['org.opencontainers.image.revision'],
        commit,
        '"main" was built at its exact commit',
      );
      const lines = log.records.filter((r) => r.msg === 'build output').map((r) => r.line);
      assert.ok(
        lines.includes('hello from the commit'),
        'the committed file, not the uncommitted edit',
      );
      assert.ok(
        lines.some((l) => typeof l === 'string' && l.startsWith(`STEP 1/`)),
        'the build log is in the logs',
      );

      // The dispatcher asks again for the same campaign and target (a retry with a new event id).
      await bus.publish(request('c-1', 'app', 'app', 'app'));
      await waitFor('the repeated request to be handled', () =>
        log.records.some((r) => r.msg === 'already built; sending its events again'),
      );
      await waitFor('nothing pending', async () => {
        const s = await bus.consumerState(builderConsumer.durable);
        return s.pending === 0 && s.ackPending === 0;
      });
      assert.equal(manifestPuts('app'), 1, 'no second push');
      const again = await bus.publish(completed);
      assert.equal(again.duplicate, true, 'the completion was sent with the same event id');
      assert.equal(seen.filter((e) => e.type === 'restack.build.completed').length, 1);

      await bus.publish(request('c-1', 'broken', 'broken', 'broken'));
      const failed = await waitFor(
        'build.failed',
        () =>
          seen.find((e): e is EventOf<'restack.build.failed'> => e.type === 'restack.build.failed'),
        120_000,
      );
      assert.equal(failed.data.targetId, 'broken');
      assert.equal(failed.data.failure.code, 'ENGINE_BUILD_FAILED');
      assert.equal(failed.data.failure.retryable, false);
      assert.match(
        failed.data.failure.message,
        /failed at STEP 3\/\d+: RUN echo oops-output; exit 4/,
      );
      assert.match(failed.data.failure.message, /oops-output/, 'with the tail of the log');
      assert.equal(manifestPuts('broken'), 0);
    },
  );

  it(
    'a redelivery after the builder died between push and ack does not push again',
    TIMEOUT,
    async (t) => {
      // Short ack wait so the server redelivers soon after the first builder is gone.
      const consumer = { ...builderConsumer, ackWaitMs: 2_000 };
      const { bus, open } = await busFixture(t, [
        { consumers: [consumer, observed], buckets: [BUILDS_BUCKET] },
      ]);
      const service = builderService(options);
      const portsFor = async (name: string) => {
        const b = await open(name);
        const ctx: ServiceContext = {
          name,
          bus: b,
          log: testLogger(),
          signal: new AbortController().signal,
          metrics: new Registry(),
        };
        return { bus: b, ports: await service.setup!(ctx) };
      };

      const dying = await portsFor('dying');
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      defer(t, () => release());
      let effectDone = false;
      await dying.bus.consume(consumer, async (event, ctx) => {
        await handleBuildRequested(event, dying.ports, ctx);
        effectDone = true; // pushed and recorded; the process dies before publishing or acking
        await gate;
      });
      const pushesBefore = manifestPuts('app');
      const event = request('c-2', 'app', 'app', 'app');
      await bus.publish(event);
      await waitFor('the first build to push', () => effectDone, 120_000);
      assert.equal(manifestPuts('app'), pushesBefore + 1);
      await dying.bus.connection.close();

      const seen: RestackEvent[] = [];
      await bus.consume(observed, (e) => void seen.push(e));
      const second = await portsFor('second');
      const attempts: number[] = [];
      await second.bus.consume(consumer, async (e, ctx) => {
        attempts.push(ctx.attempt);
        for (const out of await handleBuildRequested(e, second.ports, ctx))
          await second.ports.publish(out);
      });
      const completed = await waitFor(
        'build.completed after the redelivery',
        () =>
          seen.find(
            (e): e is EventOf<'restack.build.completed'> => e.type === 'restack.build.completed',
          ),
        60_000,
      );
      assert.deepEqual(attempts, [2], 'the request was redelivered to the second builder');
      assert.equal(completed.data.targetId, 'app');
      assert.equal(manifestPuts('app'), pushesBefore + 1, 'the redelivery did not push again');
      await waitFor('image.rebuilt', () => seen.some((e) => e.type === 'restack.image.rebuilt'));
    },
  );
});

describe('builder service: a crash between push and done-record (found by chaos.test.ts)', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let podman: TestPodman;
  let root: string;
  let baseDigest: string;
  let options: BuilderOptions;

  before(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy(registry.url);
    podman = await startPodman({ insecureRegistries: [registry.host, proxy.host] });
    root = await mkdtemp(join(tmpdir(), 'restack-builder-crash-'));
    baseDigest = (await pushBaseImage(registry.url, 'base', '12', { packages: [] })).digest;
    await mkdir(join(root, 'app'), { recursive: true });
    await writeFile(join(root, 'app', 'Dockerfile'), `FROM ${registry.host}/base:12\nENV A=1\n`);
    options = {
      engine: podman.url,
      concurrency: 1,
      sources: localRepositories({ 'acme/app': root }),
      registries: { [registry.host]: { insecure: true }, [proxy.host]: { insecure: true } },
      credentials: createDockerCredentialStore({ DOCKER_CONFIG: join(root, 'docker') }),
    };
  });

  after(async () => {
    await podman?.close();
    await proxy?.close();
    await registry?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it(
    'the redelivery adopts the pushed image instead of pushing a second build',
    TIMEOUT,
    async (t) => {
      const consumer = { ...builderConsumer, ackWaitMs: 2_000 };
      const { bus, open } = await busFixture(t, [
        { consumers: [consumer, observed], buckets: [BUILDS_BUCKET] },
      ]);
      const service = builderService(options);
      const portsFor = async (name: string) => {
        const b = await open(name);
        const ctx: ServiceContext = {
          name,
          bus: b,
          log: testLogger(),
          signal: new AbortController().signal,
          metrics: new Registry(),
        };
        return { bus: b, ports: await service.setup!(ctx) };
      };
      const puts = () => proxy.count({ method: 'PUT', path: /^\/v2\/app\/manifests\/1$/ });

      // The first builder pushes, then "dies" before its done-record is written.
      const dying = await portsFor('dying');
      // Its done-record write never finishes (released after the test, so its bus can close).
      let release!: () => void;
      const stuck = new Promise<void>((r) => (release = r));
      defer(t, () => release());
      const ports = { ...dying.ports, records: { ...dying.ports.records, put: () => stuck } };
      await dying.bus.consume(consumer, async (event, ctx) => {
        await handleBuildRequested(event, ports, ctx);
      });
      await bus.publish(
        createEvent('restack.build.requested', {
          campaignId: 'c-crash',
          targetId: 'app',
          image: `${proxy.host}/app`,
          tags: ['1'],
          repository: 'acme/app',
          revision: 'main',
          context: 'app',
          dockerfile: 'app/Dockerfile',
          baseRef: `${registry.host}/base:12`,
          baseDigest,
          platforms: [],
        }),
      );
      await waitFor('the first push', () => puts() === 1, 120_000);
      await dying.bus.connection.close();

      const seen: RestackEvent[] = [];
      await bus.consume(observed, (e) => void seen.push(e));
      const second = await portsFor('second');
      await second.bus.consume(consumer, async (e, ctx) => {
        for (const out of await handleBuildRequested(e, second.ports, ctx))
          await second.ports.publish(out);
      });
      const completed = await waitFor(
        'build.completed after the redelivery',
        () =>
          seen.find(
            (e): e is EventOf<'restack.build.completed'> => e.type === 'restack.build.completed',
          ),
        60_000,
      );
      assert.equal(puts(), 1, 'no second push');
      const head = await fetch(`${registry.url}/v2/app/manifests/1`, {
        method: 'HEAD',
        headers: {
          accept:
            'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
        },
      });
      assert.equal(completed.data.digest, head.headers.get('docker-content-digest'));
    },
  );
});
