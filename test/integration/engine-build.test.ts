import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createLogger, isRestackError } from '@restack/core';
import {
  BuildFailedError,
  buildAndPush,
  contextFromFolder,
  contextFromGit,
  createDockerodeEngine,
  parseEngineUrl,
  resolveEngineUrl,
  type ImageEngine,
} from '@restack/engine';
import { pushBaseImage } from '../harness/base-images.js';
import { startPodman, type TestPodman } from '../harness/podman.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const run = promisify(execFile);

interface LogRecord {
  msg: string;
  line?: string;
  step?: number | null;
  of?: number | null;
  image?: string;
  [key: string]: unknown;
}

/** A real pino logger whose lines the test can read. */
function capture() {
  const records: LogRecord[] = [];
  const text: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text.push(chunk.toString());
      records.push(JSON.parse(chunk.toString()) as LogRecord);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), records, text };
}

describe('building and pushing through the Docker Engine API (podman)', () => {
  let registry: TestRegistry;
  let privateRegistry: TestRegistry;
  let podman: TestPodman;
  let engine: ImageEngine;
  let log: ReturnType<typeof capture>;
  let dir: string;
  let base: string;

  before(async () => {
    registry = await startRegistry();
    privateRegistry = await startRegistry({ htpasswd: { builder: 'pa55-w0rd-secret' } });
    podman = await startPodman({ insecureRegistries: [registry.host, privateRegistry.host] });
    log = capture();
    engine = createDockerodeEngine({
      endpoint: parseEngineUrl(podman.url),
      logger: log.logger,
      concurrency: 1,
    });
    dir = await mkdtemp(join(tmpdir(), 'restack-engine-build-'));
    const pushed = await pushBaseImage(registry.url, 'base', '1', {
      packages: [{ name: 'libc6', version: '2.36-9' }],
    });
    base = `${registry.host}/base@${pushed.digest}`;
  });

  after(async () => {
    await podman?.close();
    await registry?.close();
    await privateRegistry?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function folder(name: string, files: Record<string, string>): Promise<string> {
    const path = await mkdtemp(join(dir, `${name}-`));
    for (const [file, content] of Object.entries(files)) await writeFile(join(path, file), content);
    return path;
  }

  it('finds podman through DOCKER_HOST and says what it is', async () => {
    const endpoint = resolveEngineUrl({ env: { DOCKER_HOST: podman.url }, exists: () => false });
    const info = await createDockerodeEngine({ endpoint }).ping();
    assert.equal(info.kind, 'podman');
    assert.match(info.apiVersion, /^1\.\d+$/);
  });

  it('says the engine is unreachable, and how to fix it, when nothing listens', async () => {
    const missing = createDockerodeEngine({
      endpoint: parseEngineUrl(`unix://${join(dir, 'none.sock')}`),
    });
    await assert.rejects(missing.ping(), (e: unknown) => {
      assert.ok(isRestackError(e));
      assert.equal(e.code, 'ENGINE_UNREACHABLE');
      assert.match(e.fix ?? '', /podman system service|--engine/);
      return true;
    });
  });

  it('builds the pinned Dockerfile given in place of the one in the context, logs each line, pushes and cleans up', async () => {
    const context = await folder('pinned', {
      Dockerfile: `FROM ${registry.host}/base:1\nRUN echo unpinned\n`,
      'hello.txt': 'hello from the context\n',
    });
    const tag = `${registry.host}/pinned:1`;
    const result = await buildAndPush(
      engine,
      {
        context: contextFromFolder(context),
        dockerfileContent: `FROM ${base}\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\n`,
        buildArgs: { API_TOKEN: 'tok-3n3-secret-value' },
        tags: [tag],
      },
      log.logger,
    );
    assert.match(result.digest, /^sha256:[0-9a-f]{64}$/);
    const head = await fetch(`${registry.url}/v2/pinned/manifests/1`, {
      method: 'HEAD',
      headers: {
        accept:
          'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
      },
    });
    assert.equal(
      head.headers.get('docker-content-digest'),
      result.digest,
      'the digest returned is the one the registry serves',
    );
    assert.equal(await engine.inspect(tag), null, 'the local image was removed after the push');

    const lines = log.records.filter((r) => r.msg === 'build output' && r.image === tag);
    assert.ok(lines.some((r) => r.line === 'STEP 1/3: FROM ' + base && r.step === 1 && r.of === 3));
    assert.ok(lines.some((r) => r.line === 'hello from the context' && r.step === 3));
    assert.ok(
      !lines.some((r) => /unpinned/.test(r.line ?? '')),
      'the Dockerfile in the context was replaced',
    );
    assert.ok(
      !log.text.join('').includes('tok-3n3-secret-value'),
      'build argument values are not logged',
    );
  });

  it('builds only up to the target stage, for the platform asked, with build arguments', async () => {
    const context = await folder('target', {
      Dockerfile: `FROM ${base} AS first\nARG GREETING=default\nRUN echo "greeting=$GREETING"\n\nFROM ${base} AS broken\nRUN false\n`,
    });
    const tag = `${registry.host}/target:1`;
    await engine.build({
      context: contextFromFolder(context),
      target: 'first',
      platform: 'linux/amd64',
      buildArgs: { GREETING: 'hello-arg' },
      tags: [tag],
    });
    const output = log.records
      .filter((r) => r.msg === 'build output' && r.image === tag)
      .map((r) => r.line);
    assert.ok(output.includes('greeting=hello-arg'));
    const image = await engine.inspect(tag);
    assert.equal(image?.architecture, 'amd64');
    assert.equal(image?.os, 'linux');
    await engine.remove(tag);
  });

  it('a failing RUN step reports its step number and the tail of the log', async () => {
    const context = await folder('failing', {
      Dockerfile: `FROM ${base}\nRUN echo first-step-output\nRUN echo about-to-fail && false\nRUN echo never\n`,
    });
    await assert.rejects(
      engine.build({ context: contextFromFolder(context), tags: [`${registry.host}/failing:1`] }),
      (e: unknown) => {
        assert.ok(e instanceof BuildFailedError, String(e));
        assert.equal(e.code, 'ENGINE_BUILD_FAILED');
        assert.deepEqual(e.step, {
          number: 3,
          total: 4,
          instruction: 'RUN echo about-to-fail && false',
        });
        assert.match(e.message, /failed at STEP 3\/4: RUN echo about-to-fail && false/);
        assert.ok(e.logTail.includes('about-to-fail'));
        assert.ok(e.logTail.includes('first-step-output'));
        assert.ok(e.logTail.length <= 20);
        assert.match(e.message, /last \d+ lines of the build log:\n/);
        assert.equal(e.where, 'Dockerfile (STEP 3/4)');
        return true;
      },
    );
    assert.equal(await engine.inspect(`${registry.host}/failing:1`), null);
  });

  it('builds a git repository at an exact commit, not at its branch head', async () => {
    const repo = await mkdtemp(join(dir, 'repo-'));
    const git = (...args: string[]) =>
      run('git', [
        '-C',
        repo,
        '-c',
        'user.name=restack',
        '-c',
        'user.email=restack@example.org',
        ...args,
      ]);
    await git('init', '-q');
    await writeFile(
      join(repo, 'Dockerfile'),
      `FROM ${base}\nCOPY version.txt /version.txt\nRUN cat /version.txt\n`,
    );
    await writeFile(join(repo, 'version.txt'), 'version-one\n');
    await git('add', '.');
    await git('commit', '-q', '-m', 'one');
    const first = (await git('rev-parse', 'HEAD')).stdout.trim();
    await writeFile(join(repo, 'version.txt'), 'version-two\n');
    await git('commit', '-q', '-am', 'two');

    const tag = `${registry.host}/from-git:1`;
    await engine.build({
      context: await contextFromGit({ repository: repo, commit: first }),
      tags: [tag],
    });
    const output = log.records
      .filter((r) => r.msg === 'build output' && r.image === tag)
      .map((r) => r.line);
    assert.ok(output.includes('version-one'));
    assert.ok(!output.includes('version-two'));
    assert.equal(await engine.remove(tag), true);
    assert.equal(await engine.remove(tag), false, 'removing twice is harmless');

    await assert.rejects(
      contextFromGit({ repository: repo, commit: 'f'.repeat(40) }),
      (e: unknown) => {
        assert.ok(isRestackError(e));
        assert.equal(e.code, 'ENGINE_CONTEXT_FAILED');
        return true;
      },
    );
  });

  it('pushes with registry credentials, which never reach the log, and fails clearly without them', async () => {
    const context = await folder('private', { Dockerfile: `FROM ${base}\nRUN echo private\n` });
    const tag = `${privateRegistry.host}/team/private:1`;
    await engine.build({ context: contextFromFolder(context), tags: [tag] });
    await assert.rejects(engine.push({ reference: tag }), (e: unknown) => {
      assert.ok(isRestackError(e));
      assert.equal(e.code, 'ENGINE_PUSH_FAILED');
      assert.match(e.fix ?? '', /credentials/);
      return true;
    });
    const pushed = await engine.push({
      reference: tag,
      credentials: { username: 'builder', password: 'pa55-w0rd-secret' },
    });
    assert.match(pushed.digest, /^sha256:[0-9a-f]{64}$/);
    assert.ok(!log.text.join('').includes('pa55-w0rd-secret'));
    await engine.remove(tag);
  });

  it('aborts a build that runs past its timeout', async () => {
    const context = await folder('slow', { Dockerfile: `FROM ${base}\nRUN sleep 30\n` });
    await assert.rejects(
      engine.build({
        context: contextFromFolder(context),
        tags: [`${registry.host}/slow:1`],
        timeoutMs: 3000,
      }),
      (e: unknown) => {
        assert.ok(e instanceof BuildFailedError, String(e));
        assert.equal(e.code, 'ENGINE_BUILD_TIMEOUT');
        assert.match(e.fix ?? '', /raise the build timeout/);
        return true;
      },
    );
  });

  it('runs one build at a time when the concurrency limit is 1', async () => {
    const context = await folder('queued', { Dockerfile: `FROM ${base}\nRUN echo queued\n` });
    const tags = [`${registry.host}/queued:a`, `${registry.host}/queued:b`];
    await Promise.all(
      tags.map((tag) => engine.build({ context: contextFromFolder(context), tags: [tag] })),
    );
    const events = log.records
      .filter(
        (r) =>
          (r.msg === 'build started' || r.msg === 'build finished') && tags.includes(r.image ?? ''),
      )
      .map((r) => `${r.msg} ${r.image}`);
    assert.deepEqual(events, [
      `build started ${tags[0]}`,
      `build finished ${tags[0]}`,
      `build started ${tags[1]}`,
      `build finished ${tags[1]}`,
    ]);
    for (const tag of tags) await engine.remove(tag);
  });
});
