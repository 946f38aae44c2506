import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '@restack/core';
import {
  buildAndPush,
  contextFromFolder,
  createDockerodeEngine,
  ociLabels,
  parseEngineUrl,
  type ImageEngine,
} from '@restack/engine';
import {
  createFetchImageSource,
  diffInventories,
  readImage,
  readInventory,
  verifyBase,
  type ImageSource,
} from '@restack/inventory';
import { moveBaseTag, pushBaseImage, type BaseImageSpec } from '../harness/base-images.js';
import { startPodman, type TestPodman } from '../harness/podman.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const V1: BaseImageSpec = {
  packages: [
    { name: 'base-files', version: '12.4+deb12u5' },
    { name: 'libc6', version: '2.36-9+deb12u4' },
    { name: 'openssl', version: '3.0.11-1~deb12u2' },
    { name: 'zlib1g', version: '1:1.2.13.dfsg-1' },
  ],
};

/**
 * The rebuild restack does for images it builds itself, end to end against
 * podman and a registry: build on exactly the new base, push, then prove the
 * base is inside and say which packages changed.
 */
describe('rebuilding on a moved base (podman + registry)', () => {
  let registry: TestRegistry;
  let podman: TestPodman;
  let engine: ImageEngine;
  let source: ImageSource;
  let contextDir: string;
  let baseV1: string;
  let child1: string;

  before(async () => {
    registry = await startRegistry();
    podman = await startPodman({ insecureRegistries: [registry.host] });
    engine = createDockerodeEngine({
      endpoint: parseEngineUrl(podman.url),
      logger: silentLogger(),
    });
    source = createFetchImageSource();
    contextDir = await mkdtemp(join(tmpdir(), 'restack-rebuild-'));
    // The checked-in Dockerfile names the tag; restack builds a pinned copy of it.
    await writeFile(
      join(contextDir, 'Dockerfile'),
      `FROM ${registry.host}/base:12\nRUN echo app > /app.txt\n`,
    );
    baseV1 = (await pushBaseImage(registry.url, 'base', '12', V1)).digest;
  });

  after(async () => {
    await podman?.close();
    await registry?.close();
    if (contextDir) await rm(contextDir, { recursive: true, force: true });
  });

  /** Builds `repo:tag` FROM `from` (a pinned reference), labelled as built on `labelDigest`. */
  async function build(repo: string, tag: string, from: string, labelDigest: string, run: string) {
    const pushed = await buildAndPush(engine, {
      context: contextFromFolder(contextDir),
      dockerfileContent: `FROM ${from}\nRUN ${run}\n`,
      labels: ociLabels({
        baseName: from.split('@')[0],
        baseDigest: labelDigest,
        source: 'https://git.example/team/app',
        revision: 'a'.repeat(40),
        created: '2024-03-01T00:00:00Z',
      }),
      tags: [`${registry.host}/${repo}:${tag}`],
    });
    return pushed.digest;
  }

  it('builds a child on base v1, pushes it, and proves v1 is inside', async () => {
    child1 = await build(
      'app',
      '1',
      `${registry.host}/base@${baseV1}`,
      baseV1,
      'echo child > /child.txt',
    );
    const child = await readImage(source, `${registry.host}/app@${child1}`);
    const base = await readImage(source, `${registry.host}/base@${baseV1}`);
    assert.deepEqual(verifyBase(child.config, base.config, baseV1), {
      verified: true,
      reasons: [],
    });
    assert.equal(
      child.config.config?.Labels?.['org.opencontainers.image.revision'],
      'a'.repeat(40),
    );
    // The child added a layer on top of the base's two.
    assert.equal(child.config.rootfs.diff_ids.length, base.config.rootfs.diff_ids.length + 1);
    const pulled = await engine.inspect(`${registry.host}/app:1`);
    assert.equal(pulled, null, 'the local image is removed after the push');
  });

  it('builds a grandchild on the child and proves the child is inside', async () => {
    const grandchild = await build(
      'tool',
      '1',
      `${registry.host}/app@${child1}`,
      child1,
      'echo tool > /tool.txt',
    );
    const image = await readImage(source, `${registry.host}/tool@${grandchild}`);
    const parent = await readImage(source, `${registry.host}/app@${child1}`);
    assert.deepEqual(verifyBase(image.config, parent.config, child1), {
      verified: true,
      reasons: [],
    });
  });

  it('after the base tag moves, a child rebuilt on the new digest verifies and names the upgrade', async () => {
    const { image: v2 } = await moveBaseTag(registry.url, 'base', '12', V1, {
      libc6: '2.36-9+deb12u7',
    });
    assert.notEqual(v2.digest, baseV1);
    const child2 = await build(
      'app',
      '2',
      `${registry.host}/base@${v2.digest}`,
      v2.digest,
      'echo child > /child.txt',
    );

    const base2 = await readImage(source, `${registry.host}/base:12`);
    assert.equal(base2.digest, v2.digest);
    const rebuilt = await readInventory(source, `${registry.host}/app@${child2}`);
    assert.deepEqual(verifyBase(rebuilt.config, base2.config, v2.digest), {
      verified: true,
      reasons: [],
    });

    const before = await readInventory(source, `${registry.host}/app@${child1}`);
    assert.deepEqual(diffInventories(before.packages, rebuilt.packages), {
      added: [],
      removed: [],
      upgraded: [{ name: 'libc6', from: '2.36-9+deb12u4', to: '2.36-9+deb12u7' }],
      downgraded: [],
    });

    // The child built before the move does not contain the new base.
    const old = await readImage(source, `${registry.host}/app@${child1}`);
    assert.equal(verifyBase(old.config, base2.config, v2.digest).verified, false);
  });

  it('a build that ignores the new base fails verification even when labelled with it', async () => {
    const base2 = await readImage(source, `${registry.host}/base:12`);
    // Built FROM the old digest, but claiming the new one.
    const liar = await build(
      'app',
      'stale',
      `${registry.host}/base@${baseV1}`,
      base2.digest,
      'true',
    );
    const image = await readImage(source, `${registry.host}/app@${liar}`);
    const result = verifyBase(image.config, base2.config, base2.digest);
    assert.equal(result.verified, false);
    assert.match(
      result.reasons.join('\n'),
      /layer 2 of the child is sha256:[0-9a-f]{64}, but the base's layer 2 is/,
    );
  });
});
