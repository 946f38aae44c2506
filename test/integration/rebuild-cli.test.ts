import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createFetchImageSource, readImage } from '@restack/inventory';
import { moveBaseTag, pushBaseImage, type BaseImageSpec } from '../harness/base-images.js';
import { runCli } from '../harness/cli.js';
import { startPodman, type TestPodman } from '../harness/podman.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const run = promisify(execFile);
// Compiled to test/dist/integration: the fixtures stay in test/fixtures.
const FIXTURES = fileURLToPath(new URL('../../fixtures/scan/', import.meta.url));

const V1: BaseImageSpec = {
  packages: [
    { name: 'base-files', version: '12.4+deb12u5' },
    { name: 'libc6', version: '2.36-9+deb12u4' },
    { name: 'openssl', version: '3.0.11-1~deb12u2' },
  ],
};

interface Target {
  dockerfile: string;
  image: string | null;
  tags: string[];
  digest: string | null;
  previousDigest: string | null;
  baseRef: string | null;
  baseDigest: string | null;
  verified: boolean | null;
  reasons: string[];
  packages: {
    added: unknown[];
    removed: unknown[];
    upgraded: { name: string; from: string; to: string }[];
  } | null;
  vulnerabilities: {
    scanner: string;
    databaseUpdatedAt: string | null;
    counts: Record<string, number>;
    delta: { fixed: { id: string }[]; introduced: { id: string }[] } | null;
  } | null;
  error: string | null;
}

/** A folder with restack.yaml and Dockerfiles; `git` makes it a repository with one commit. */
async function organisation(
  root: string,
  files: Record<string, string>,
  git: boolean,
): Promise<{ dir: string; config: string; head: string | null }> {
  const dir = await mkdtemp(join(root, 'org-'));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  let head: string | null = null;
  if (git) {
    const g = (...args: string[]) =>
      run('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args]);
    await g('init', '-q');
    await g('add', '.');
    await g('commit', '-q', '-m', 'images');
    head = (await g('rev-parse', 'HEAD')).stdout.trim();
  }
  return { dir, config: join(dir, 'restack.yaml'), head };
}

/**
 * `restack rebuild` end to end: the built CLI, podman's Docker API and a
 * registry. A base moves; its child and grandchild are rebuilt in order on
 * the new digests, pushed, verified and compared with what they replaced.
 */
describe('restack rebuild (CLI, podman, registry)', () => {
  let registry: TestRegistry;
  let podman: TestPodman;
  let root: string;
  let env: NodeJS.ProcessEnv;
  let good: { dir: string; config: string; head: string | null };
  let baseV1: string;
  let first: Target[];
  let oldDigests: string;

  before(async () => {
    registry = await startRegistry();
    podman = await startPodman({ insecureRegistries: [registry.host] });
    root = await mkdtemp(join(tmpdir(), 'restack-rebuild-cli-'));
    // No credentials of the user running the tests are read.
    await mkdir(join(root, 'docker'));
    // A `trivy` on PATH printing documented reports: v1's for the digests listed in oldDigests.
    const bin = join(root, 'bin');
    await mkdir(bin);
    oldDigests = join(root, 'old-digests');
    await writeFile(
      join(bin, 'trivy'),
      `#!/bin/sh
case "$1" in version) cat "${FIXTURES}trivy-version.json"; exit 0;; esac
for d in $(cat "${oldDigests}" 2>/dev/null); do
  case "$*" in *"$d"*) cat "${FIXTURES}trivy-app-v1.json"; exit 0;; esac
done
cat "${FIXTURES}trivy-app-v2.json"
`,
    );
    await chmod(join(bin, 'trivy'), 0o755);
    env = {
      DOCKER_CONFIG: join(root, 'docker'),
      RESTACK_LOG_LEVEL: 'warn',
      DOCKER_HOST: '',
      PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
    };
    baseV1 = (await pushBaseImage(registry.url, 'base', '12', V1)).digest;
    const h = registry.host;
    good = await organisation(
      root,
      {
        'restack.yaml': [
          'sources: [{ path: ./repos }]',
          `registries: { "${h}": { insecure: true } }`,
          'scanner: { type: trivy }',
          'images:',
          `  - { name: ${h}/app, tags: ["1"], dockerfile: repos/app/Dockerfile }`,
          `  - { name: ${h}/tool, tags: ["1", "stable"], dockerfile: repos/tool/Dockerfile }`,
          '',
        ].join('\n'),
        'repos/app/Dockerfile': `FROM ${h}/base:12\nCOPY app.txt /app.txt\nRUN echo app >> /app.txt\n`,
        'repos/app/app.txt': 'from the committed tree\n',
        'repos/tool/Dockerfile': `FROM ${h}/app:1\nRUN cat /app.txt > /tool.txt\n`,
        // Produces no catalog image: built to prove it still builds, never pushed.
        'repos/check/Dockerfile': `FROM ${h}/base:12\nRUN test -f /etc/restack-base\n`,
      },
      true,
    );
  });

  after(async () => {
    await podman?.close();
    await registry?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function rebuild(config: string, ...extra: string[]) {
    const args = ['rebuild', '--config', config, '--changed', `${registry.host}/base:12`];
    const result = await runCli([...args, '--engine', podman.url, ...extra], env);
    let targets: Target[] = [];
    try {
      targets = JSON.parse(result.stdout) as Target[];
    } catch {
      assert.fail(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
    }
    return { ...result, targets };
  }

  async function configOf(repo: string, digest: string) {
    return (await readImage(createFetchImageSource(), `${registry.host}/${repo}@${digest}`)).config;
  }

  it('--dry-run plans and resolves the base without building anything', async () => {
    const { code, targets, stderr } = await rebuild(good.config, '--dry-run');
    assert.equal(code, 0, stderr);
    assert.deepEqual(
      targets.map((t) => [t.dockerfile, t.image, t.digest, t.baseRef, t.baseDigest]),
      [
        ['repos/app/Dockerfile', `${registry.host}/app`, null, `${registry.host}/base:12`, baseV1],
        ['repos/check/Dockerfile', null, null, `${registry.host}/base:12`, baseV1],
        // Its base is app, whose new digest is known only once app is built.
        ['repos/tool/Dockerfile', `${registry.host}/tool`, null, `${registry.host}/app:1`, null],
      ],
    );
    const head = await fetch(`${registry.url}/v2/app/manifests/1`, { method: 'HEAD' });
    assert.equal(head.status, 404, 'nothing was pushed');
  });

  it('builds the chain on the base, pushes, verifies, and builds the image-less Dockerfile without pushing', async () => {
    const { code, targets, stderr } = await rebuild(good.config);
    assert.equal(code, 0, stderr);
    first = targets;
    const [app, check, tool] = targets;
    assert.deepEqual(
      targets.map((t) => [t.dockerfile, t.verified, t.error]),
      [
        ['repos/app/Dockerfile', true, null],
        ['repos/check/Dockerfile', true, null],
        ['repos/tool/Dockerfile', true, null],
      ],
    );
    assert.equal(app!.baseDigest, baseV1);
    assert.equal(app!.previousDigest, null, 'app did not exist before');
    assert.equal(app!.packages, null);
    assert.equal(app!.vulnerabilities?.scanner, 'trivy');
    assert.deepEqual(app!.vulnerabilities?.counts, {
      critical: 1,
      high: 0,
      medium: 2,
      low: 0,
      unknown: 0,
    });
    assert.equal(app!.vulnerabilities?.delta, null, 'nothing to compare with');
    assert.equal(check!.vulnerabilities, null, 'an image that was not pushed is not scanned');
    assert.equal(check!.digest, null, 'a Dockerfile without a catalog image is not pushed');
    assert.deepEqual(tool!.tags, [`${registry.host}/tool:1`, `${registry.host}/tool:stable`]);
    assert.equal(tool!.baseRef, `${registry.host}/app:1`);
    assert.equal(tool!.baseDigest, app!.digest, 'tool was built on the app just pushed');

    const labels = (await configOf('app', app!.digest!)).config?.Labels ?? {};
    assert.equal(labels['org.opencontainers.image.base.name'], `${registry.host}/base:12`);
    assert.equal(labels['org.opencontainers.image.base.digest'], baseV1);
    assert.equal(
      labels['org.opencontainers.image.revision'],
      good.head,
      'the committed tree was built',
    );
    assert.match(labels['org.opencontainers.image.created'] ?? '', /^\d{4}-\d\d-\d\dT/);
  });

  it('after the base moves, rebuilds child then grandchild on the new digests and names the upgrade', async () => {
    const { image: v2 } = await moveBaseTag(registry.url, 'base', '12', V1, {
      libc6: '2.36-9+deb12u7',
    });
    await writeFile(oldDigests, `${first[0]!.digest}\n${first[2]!.digest}\n`);
    const { code, targets, stderr } = await rebuild(good.config);
    assert.equal(code, 0, stderr);
    const [app, , tool] = targets;
    assert.deepEqual(
      targets.map((t) => t.dockerfile),
      ['repos/app/Dockerfile', 'repos/check/Dockerfile', 'repos/tool/Dockerfile'],
    );
    assert.equal(app!.baseDigest, v2.digest);
    assert.equal(app!.verified, true);
    assert.equal(app!.previousDigest, first[0]!.digest);
    assert.notEqual(app!.digest, first[0]!.digest);
    assert.equal(tool!.baseDigest, app!.digest, 'the grandchild is pinned to the rebuilt child');
    assert.equal(tool!.verified, true);
    assert.equal(tool!.previousDigest, first[2]!.digest);
    const upgrade = [{ name: 'libc6', from: '2.36-9+deb12u4', to: '2.36-9+deb12u7' }];
    for (const t of [app!, tool!]) {
      assert.deepEqual(t.packages, { added: [], removed: [], upgraded: upgrade, downgraded: [] });
    }
    const vulnerabilities = app!.vulnerabilities!;
    assert.deepEqual(
      vulnerabilities.delta?.fixed.map((v) => v.id),
      ['CVE-2024-2961', 'CVE-2024-33599'],
    );
    assert.deepEqual(
      vulnerabilities.delta?.introduced.map((v) => v.id),
      ['CVE-2025-0395'],
    );
    assert.equal(vulnerabilities.databaseUpdatedAt, '2025-02-01T12:13:39.162498171Z');
    const pushed = await fetch(`${registry.url}/v2/tool/manifests/stable`, {
      method: 'HEAD',
      headers: {
        accept:
          'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
      },
    });
    assert.equal(pushed.headers.get('docker-content-digest'), tool!.digest, 'every tag was pushed');
  });

  it('reports a build that ignores the pinned base, a failing step, and the descendants it blocks', async () => {
    const h = registry.host;
    const problems = await organisation(
      root,
      {
        'restack.yaml': [
          'sources: [{ path: ./repos }]',
          `registries: { "${h}": { insecure: true } }`,
          'images:',
          // The digest comes from a build argument restack cannot rewrite: the build stays on v1.
          `  - { name: ${h}/stale, dockerfile: repos/stale/Dockerfile, buildArgs: { BASE_DIGEST: "${baseV1}" } }`,
          `  - { name: ${h}/stale-child, dockerfile: repos/stale-child/Dockerfile }`,
          `  - { name: ${h}/broken, dockerfile: repos/broken/Dockerfile }`,
          `  - { name: ${h}/broken-child, dockerfile: repos/broken-child/Dockerfile }`,
          '',
        ].join('\n'),
        'repos/stale/Dockerfile': `ARG BASE_DIGEST\nFROM ${h}/base:12@\${BASE_DIGEST}\nRUN true\n`,
        'repos/stale-child/Dockerfile': `FROM ${h}/stale:latest\nRUN true\n`,
        'repos/broken/Dockerfile': `FROM ${h}/base:12\nRUN echo before-the-failure\nRUN echo failing-step-output >&2; exit 3\n`,
        'repos/broken-child/Dockerfile': `FROM ${h}/broken:latest\nRUN true\n`,
      },
      false,
    );
    const { code, targets, stderr } = await rebuild(problems.config);
    assert.equal(code, 1, 'exit 1: not every target built and verified');
    const by = new Map(targets.map((t) => [t.dockerfile, t]));

    const stale = by.get('repos/stale/Dockerfile')!;
    assert.equal(stale.error, null, 'it built and pushed');
    assert.match(stale.digest ?? '', /^sha256:/);
    assert.equal(stale.verified, false);
    assert.match(
      stale.reasons.join('\n'),
      /layer 2 of the child is sha256:[0-9a-f]{64}, but the base's layer 2 is/,
    );
    assert.match(stale.reasons.join('\n'), new RegExp(`label is ${baseV1}, not the base digest`));
    assert.match(stderr, /base verification failed/, 'and says so loudly in the log');

    const broken = by.get('repos/broken/Dockerfile')!;
    assert.equal(broken.digest, null);
    assert.match(
      broken.error ?? '',
      /failed at STEP 3\/\d+: RUN echo failing-step-output >&2; exit 3/,
    );
    assert.match(broken.error ?? '', /failing-step-output/, 'with the tail of the log');

    assert.equal(
      by.get('repos/broken-child/Dockerfile')!.error,
      'not built: its ancestor repos/broken/Dockerfile failed to build',
    );
    assert.equal(
      by.get('repos/stale-child/Dockerfile')!.error,
      'not built: its ancestor repos/stale/Dockerfile failed verification',
    );
  });
});
