import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import type { ConsumerSpec } from '@restack/bus';
import { createLogger, RestackError } from '@restack/core';
import { createEvent, type EventOf, type RestackEvent } from '@restack/events';
import { createFetchImageSource, readImage } from '@restack/inventory';
import { githubRepositories, localRepositories } from '@restack/rebuild';
import { createDockerCredentialStore } from '@restack/registry';
import { defineService, on, startRuntime } from '@restack/service';
import { builderService } from '@restack/svc-builder';
import { startGitHubServer, type GitHubTestServer } from '../github-server/index.js';
import { tokenAdapter } from '../github-server/clients.js';
import { moveBaseTag, pushBaseImage, type BaseImageSpec } from '../harness/base-images.js';
import { defer, startNats, waitFor } from '../harness/nats.js';
import { startPodman, type TestPodman } from '../harness/podman.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const TIMEOUT = { timeout: 180_000 };

/** Every entry name of a tar stream (the build context the engine would get). */
async function entryNames(stream: Readable): Promise<Map<string, string>> {
  const extract = tar.extract();
  const out = new Map<string, string>();
  stream.pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    out.set(entry.header.name, Buffer.concat(chunks).toString('utf8'));
  }
  return out;
}

/**
 * Build sources from GitHub's tarball API (the local GitHub server, which
 * serves `git archive` tarballs under GitHub's `owner-repo-sha/` folder through
 * a codeload redirect), and the builder service building from them.
 */
describe('GitHub tarball sources and the builder (github-server, NATS, podman, registry)', () => {
  let server: GitHubTestServer;
  let registry: TestRegistry;
  let podman: TestPodman;
  let root: string;
  let first: string;
  let second: string;

  const files = (host: string): Record<string, string> => ({
    'images/app/Dockerfile': [
      `FROM ${host}/tool:1 AS tool`,
      `FROM ${host}/base:12`,
      'COPY --from=tool /var/lib/dpkg/status /tool-status',
      'COPY hello.txt /hello.txt',
      'RUN cat /hello.txt && grep Version /tool-status',
      '',
    ].join('\n'),
    'images/app/hello.txt': 'hello from github\n',
    'images/app/sub/deep.txt': 'deep\n',
    'other/outside.txt': 'not in the context\n',
  });

  before(async () => {
    server = await startGitHubServer();
    registry = await startRegistry();
    podman = await startPodman({ insecureRegistries: [registry.host] });
    root = await mkdtemp(join(tmpdir(), 'restack-builder-github-'));
    await server.control.createRepo({ owner: 'acme', name: 'app', files: files(registry.host) });
    first = (await server.control.branchSha({ owner: 'acme', repo: 'app', branch: 'main' }))!;
    second = await server.control.pushCommit({
      owner: 'acme',
      repo: 'app',
      branch: 'main',
      files: { 'images/app/hello.txt': 'hello from the second commit\n' },
    });
  });

  after(async () => {
    await podman?.close();
    await registry?.close();
    await server?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('opens a branch at its exact commit, with only the context folder', async () => {
    const { github } = tokenAdapter(server);
    const sources = githubRepositories(github, { webUrl: 'https://github.example' });
    const source = await sources.open({
      repository: 'acme/app',
      revision: 'main',
      context: 'images/app',
      dockerfile: 'images/app/Dockerfile',
    });
    assert.equal(source.revision, second, '"main" is resolved to its head commit');
    assert.equal(source.source, 'https://github.example/acme/app');
    assert.equal(source.dockerfile, 'Dockerfile');
    assert.match(source.dockerfileText, /^FROM .*\/tool:1 AS tool\n/);
    const entries = await entryNames(await source.context());
    assert.deepEqual([...entries.keys()].sort(), [
      'Dockerfile',
      'hello.txt',
      'sub/',
      'sub/deep.txt',
    ]);
    assert.equal(entries.get('hello.txt'), 'hello from the second commit\n');
  });

  it('opens an older commit, and a short id through the commit the archive names', async () => {
    const { github } = tokenAdapter(server);
    const sources = githubRepositories(github);
    const old = await sources.open({
      repository: 'acme/app',
      revision: first,
      context: 'images',
      dockerfile: 'images/app/Dockerfile',
    });
    assert.equal(old.revision, first);
    assert.equal(old.dockerfile, 'app/Dockerfile');
    assert.equal(old.source, 'https://github.com/acme/app');
    const entries = await entryNames(await old.context());
    assert.equal(entries.get('app/hello.txt'), 'hello from github\n', 'the old content');
    assert.ok(!entries.has('other/outside.txt'));

    const short = await sources.open({
      repository: 'acme/app',
      revision: first.slice(0, 10),
      context: '.',
      dockerfile: 'images/app/Dockerfile',
    });
    assert.equal(short.revision, first, 'the full commit id, from the archive');
    assert.equal(short.dockerfile, 'images/app/Dockerfile');
    assert.ok((await entryNames(await short.context())).has('other/outside.txt'));
  });

  it('says what is missing', async () => {
    const { github } = tokenAdapter(server);
    const sources = githubRepositories(github);
    const open = (over: Partial<Parameters<typeof sources.open>[0]>) =>
      sources.open({
        repository: 'acme/app',
        revision: 'main',
        context: 'images/app',
        dockerfile: 'images/app/Dockerfile',
        ...over,
      });
    await assert.rejects(open({ dockerfile: 'images/app/Nope' }), (e: unknown) => {
      assert.ok(e instanceof RestackError);
      assert.equal(e.code, 'REBUILD_SOURCE_FAILED');
      assert.match(e.message, /images\/app\/Nope is not a file in commit [0-9a-f]{40}/);
      return true;
    });
    await assert.rejects(open({ context: 'other' }), /outside its context/);
    await assert.rejects(open({ revision: 'no-such-branch' }), (e: unknown) => {
      assert.ok(e instanceof RestackError);
      assert.equal(e.code, 'github.not-found');
      return true;
    });
  });

  it(
    'the builder builds a GitHub repository with every pin, and names the digest it replaced',
    TIMEOUT,
    async (t) => {
      const h = registry.host;
      const baseSpec: BaseImageSpec = { packages: [{ name: 'libc6', version: '2.36-9+deb12u4' }] };
      const toolSpec: BaseImageSpec = { packages: [{ name: 'tool', version: '1.0-pinned' }] };
      const baseDigest = (await pushBaseImage(registry.url, 'base', '12', baseSpec)).digest;
      const toolPinned = (await pushBaseImage(registry.url, 'tool', '1', toolSpec)).digest;
      // The tag moves on after the campaign pinned it: the build must still use the pinned digest.
      await moveBaseTag(registry.url, 'tool', '1', toolSpec, { tool: '2.0-moved-on' });
      // What app:1 pointed at before the rebuild.
      const previous = (
        await pushBaseImage(registry.url, 'app', '1', {
          packages: [{ name: 'app', version: '0.9' }],
        })
      ).digest;

      const nats = await startNats();
      defer(t, () => nats.close());
      await mkdir(join(root, 'docker'), { recursive: true });
      const { github } = tokenAdapter(server);
      const lines: string[] = [];
      const destination = new Writable({
        write(chunk: Buffer, _encoding, done) {
          const r = JSON.parse(chunk.toString()) as { msg: string; line?: unknown };
          if (r.msg === 'build output' && typeof r.line === 'string') lines.push(r.line);
          done();
        },
      });
      const seen: RestackEvent[] = [];
      const observed = {
        durable: 'observer',
        subjects: ['restack.build.completed', 'restack.build.failed', 'restack.image.rebuilt'],
        backoff: { initialMs: 50, maxMs: 200 },
      } satisfies ConsumerSpec<
        'restack.build.completed' | 'restack.build.failed' | 'restack.image.rebuilt'
      >;
      const runtime = await startRuntime({
        name: 'builder-github-test',
        services: [
          builderService({
            engine: podman.url,
            concurrency: 1,
            // No local clone of acme/app: it comes from GitHub.
            sources: localRepositories({}),
            github,
            registries: { [h]: { insecure: true } },
            credentials: createDockerCredentialStore({ DOCKER_CONFIG: join(root, 'docker') }),
          }),
          defineService({
            name: 'observer',
            handlers: [on(observed, (e) => void seen.push(e))],
          }),
        ],
        nats: { servers: nats.url },
        handleSignals: false,
        pullExpiresMs: 1_000,
        logger: createLogger({ level: 'info', destination }),
      });
      defer(t, () => runtime.stop());
      await runtime.ready;

      await runtime.bus()!.publish(
        createEvent('restack.build.requested', {
          campaignId: 'gh-1',
          targetId: 'app',
          image: `${h}/app`,
          tags: ['1'],
          repository: 'acme/app',
          revision: 'main',
          context: 'images/app',
          dockerfile: 'images/app/Dockerfile',
          baseRef: `${h}/tool:1`,
          baseDigest: toolPinned,
          platforms: [],
          pins: [
            { ref: `${h}/tool:1`, digest: toolPinned },
            { ref: `${h}/base:12`, digest: baseDigest },
          ],
        }),
      );
      const rebuilt = await waitFor(
        'image.rebuilt',
        () => {
          const failed = seen.find((e) => e.type === 'restack.build.failed');
          if (failed) assert.fail(JSON.stringify(failed.data));
          return seen.find(
            (e): e is EventOf<'restack.image.rebuilt'> => e.type === 'restack.image.rebuilt',
          );
        },
        120_000,
      );
      assert.equal(rebuilt.data.previousDigest, previous, 'read from the registry before the push');
      assert.notEqual(rebuilt.data.digest, previous);
      assert.equal(rebuilt.data.revision, second);
      assert.equal(rebuilt.data.baseRef, `${h}/base:12`, 'the built stage stands on base');
      assert.equal(rebuilt.data.baseDigest, baseDigest);
      assert.ok(lines.includes('hello from the second commit'), 'the GitHub context was built');
      assert.ok(
        lines.includes('Version: 1.0-pinned'),
        'the COPY --from stage used the pinned tool digest, not where its tag is now',
      );
      const labels =
        (await readImage(createFetchImageSource(), `${h}/app@${rebuilt.data.digest}`)).config.config
          ?.Labels ?? {};
      assert.equal(labels['org.opencontainers.image.revision'], second);
      assert.equal(labels['org.opencontainers.image.source'], 'https://github.com/acme/app');
      assert.equal(labels['org.opencontainers.image.base.digest'], baseDigest);
    },
  );
});
