import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { discoverClaims, mergeClaims } from './index.js';

const tree = fileURLToPath(new URL('../fixtures/tree', import.meta.url));
const rel = (p: string) => path.relative(tree, p);

/** Writes `files` (path -> text) under a fresh temporary folder. */
function scratch(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'restack-catalog-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

const made: string[] = [];
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('discoverClaims', () => {
  it('reads all four kinds of claims in a tree, in a stable order', async () => {
    const { claims, problems, dockerfiles } = await discoverClaims(tree);
    assert.deepEqual(
      claims.map((c) => [
        c.source,
        rel(c.dockerfile),
        c.name,
        c.tags.join(','),
        `${rel(c.file)}:${c.line}`,
      ]),
      [
        [
          'compose',
          'app-compose/api/Dockerfile',
          'registry.example.com/app/api',
          'dev',
          'app-compose/compose.override.yaml:3',
        ],
        [
          'compose',
          'app-compose/worker/Dockerfile',
          'registry.example.com/app/worker',
          '2.0',
          'app-compose/compose.yaml:7',
        ],
        [
          'compose',
          'sentry/clickhouse/Dockerfile',
          'docker.io/library/clickhouse-self-hosted-local',
          'latest',
          'sentry/docker-compose.yml:21',
        ],
        [
          'compose',
          'sentry/cron/Dockerfile',
          'docker.io/library/symbolicator-cleanup-self-hosted-local',
          'latest',
          'sentry/docker-compose.yml:28',
        ],
        [
          'compose',
          'sentry/sentry/Dockerfile',
          'docker.io/library/sentry-self-hosted-local',
          'latest',
          'sentry/docker-compose.yml:33',
        ],
        [
          'compose',
          'sentry/sentry/Dockerfile',
          'docker.io/library/sentry-self-hosted-local',
          'latest',
          'sentry/docker-compose.yml:35',
        ],
        [
          'compose',
          'sentry/sentry/Dockerfile',
          'docker.io/library/sentry-self-hosted-local',
          'latest',
          'sentry/docker-compose.yml:38',
        ],
        [
          'bake',
          'buildx/Dockerfile',
          'docker.io/docker/buildx-bin',
          'local',
          'buildx/docker-bake.hcl:47',
        ],
        [
          'bake',
          'buildx/Dockerfile',
          'docker.io/docker/buildx-bin',
          '1.17.0,latest',
          'buildx/docker-bake.hcl:52',
        ],
        [
          'bake',
          'webapp/Dockerfile',
          'docker.io/username/webapp',
          '1.4',
          'webapp/docker-bake.json:17',
        ],
        [
          'bake',
          'webapp/debug.Dockerfile',
          'docker.io/username/webapp',
          'debug',
          'webapp/docker-bake.override.json:5',
        ],
        [
          'workflow',
          'service/backend/Dockerfile',
          'ghcr.io/acme/service-backend',
          'latest',
          'service/.github/workflows/release.yml:21',
        ],
        [
          'workflow',
          'service/frontend/Dockerfile',
          'ghcr.io/acme/service-frontend',
          'latest,stable',
          'service/.github/workflows/release.yml:33',
        ],
        [
          'directive',
          'base/Dockerfile',
          'registry.example.com/platform/base',
          '1,1.2,latest',
          'base/Dockerfile:2',
        ],
        [
          'directive',
          'base/Dockerfile',
          'ghcr.io/acme/service-frontend',
          'stable',
          'base/Dockerfile:5',
        ],
        [
          'directive',
          'service/Dockerfile',
          'ghcr.io/acme/service',
          'latest',
          'service/Dockerfile:1',
        ],
      ],
    );
    // The .env beside the Compose file is read: no unresolved variable.
    assert.deepEqual(
      problems.map((p) => [p.code, `${rel(p.file)}:${p.line}`]),
      [
        ['catalog.expression', 'service/.github/workflows/release.yml:29'],
        ['catalog.expression', 'service/.github/workflows/release.yml:32'],
        ['catalog.expression', 'service/.github/workflows/release.yml:43'],
      ],
    );
    assert.equal(dockerfiles.length, 13);
    assert.ok(dockerfiles.includes(path.join(tree, 'buildx/hack/dockerfiles/lint.Dockerfile')));
  });

  it('feeds mergeClaims: one owner per tag, the conflict names both files', async () => {
    const { claims } = await discoverClaims(tree);
    const explicit = [
      {
        dockerfile: path.join(tree, 'base/Dockerfile'),
        name: 'registry.example.com/platform/base',
        tags: ['1'],
      },
    ];
    const { images, conflicts } = mergeClaims(explicit, claims, { base: tree });
    const base = images.filter((i) => i.name === 'registry.example.com/platform/base');
    assert.deepEqual(
      base.map((i) => [i.source, i.tags]),
      [
        ['config', ['1']],
        ['directive', ['1.2', 'latest']],
      ],
    );
    assert.equal(
      images.filter((i) => i.name === 'docker.io/library/sentry-self-hosted-local').length,
      1,
    );
    assert.deepEqual(
      conflicts.map((c) => c.message),
      [
        'ghcr.io/acme/service-frontend:stable is given to service/frontend/Dockerfile by service/.github/workflows/release.yml:33 and to base/Dockerfile by base/Dockerfile:5; service/.github/workflows/release.yml:33 wins',
      ],
    );
  });

  it('skips .git and node_modules, and reports broken files without stopping', async () => {
    const root = scratch({
      'node_modules/pkg/compose.yaml': 'services:\n  a:\n    image: x/a\n    build: .\n',
      '.git/Dockerfile': '# restack: image=x/git\n',
      'a/compose.yaml': 'services:\n  a:\n    build: .\n    image: [oops\n',
      'a/docker-compose.yml': 'services: {}\n',
      'b/docker-bake.hcl': 'target "x" {\n  tags = [\n}\n',
      'b/docker-bake.json': '{"target": {"y": {"tags": ["x/y:1"]}},}',
      'c/.github/workflows/ci.yaml':
        'jobs:\n  b:\n    steps:\n      - uses: docker/build-push-action@v6\n        with: {tags: x/c}\n',
      'c/Dockerfile': '# restack: image=x/c-directive\nFROM scratch\n',
    });
    made.push(root);
    const { claims, problems, dockerfiles } = await discoverClaims(root);
    assert.deepEqual(
      claims.map((c) => [c.source, path.relative(root, c.dockerfile), c.name]),
      [
        ['workflow', 'c/Dockerfile', 'docker.io/x/c'],
        ['directive', 'c/Dockerfile', 'docker.io/x/c-directive'],
      ],
    );
    assert.deepEqual(
      problems.map((p) => [p.code, path.relative(root, p.file)]),
      [
        ['catalog.syntax', 'a/compose.yaml'],
        ['catalog.ignored-file', 'a/docker-compose.yml'],
        ['catalog.syntax', 'b/docker-bake.hcl'],
        ['catalog.syntax', 'b/docker-bake.json'],
      ],
    );
    assert.deepEqual(dockerfiles, [path.join(root, 'c/Dockerfile')]);
  });

  it('uses Dockerfile text the caller already has instead of reading it again', async () => {
    const root = scratch({ 'd/Dockerfile': 'FROM scratch\n' });
    made.push(root);
    const seen: string[] = [];
    const { claims } = await discoverClaims(root, {
      dockerfileText: (file) => {
        seen.push(file);
        return '# restack: image=x/from-caller:1\nFROM scratch\n';
      },
    });
    assert.deepEqual(seen, [path.join(root, 'd/Dockerfile')]);
    assert.deepEqual(
      claims.map((c) => `${c.name}:${c.tags.join(',')}`),
      ['docker.io/x/from-caller:1'],
    );
  });

  it('reports a missing root as a problem', async () => {
    const { claims, problems } = await discoverClaims(
      path.join(tmpdir(), 'restack-catalog-missing-folder'),
    );
    assert.deepEqual(claims, []);
    assert.equal(problems[0]?.code, 'catalog.unreadable');
  });
});
