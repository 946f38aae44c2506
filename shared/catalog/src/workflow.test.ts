import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseWorkflow } from './index.js';

const tree = fileURLToPath(new URL('../fixtures/tree/', import.meta.url));

/** A workflow with one build-push-action step taking `inputs`. */
function step(inputs: string): string {
  return [
    'on: push',
    'jobs:',
    '  build:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - uses: docker/build-push-action@v6',
    '        with:',
    ...inputs.split('\n').map((l) => `          ${l}`),
  ].join('\n');
}

const repo = '/repo';
const file = '/repo/.github/workflows/ci.yml';

describe('parseWorkflow', () => {
  it('reads literal inputs of a real-world release workflow and reports expressions', () => {
    const repoRoot = path.join(tree, 'service');
    const wf = path.join(repoRoot, '.github/workflows/release.yml');
    const { claims, problems } = parseWorkflow(readFileSync(wf, 'utf8'), wf, repoRoot);
    assert.deepEqual(
      claims.map((c) => [
        path.relative(repoRoot, c.dockerfile),
        c.name,
        c.tags,
        c.buildArgs,
        c.target,
        c.line,
      ]),
      [
        [
          'backend/Dockerfile',
          'ghcr.io/acme/service-backend',
          ['latest'],
          { NODE_ENV: 'production' },
          null,
          21,
        ],
        [
          'frontend/Dockerfile',
          'ghcr.io/acme/service-frontend',
          ['latest', 'stable'],
          {},
          'runtime',
          33,
        ],
      ],
    );
    assert.ok(claims.every((c) => c.source === 'workflow' && c.file === wf));
    assert.deepEqual(
      problems.map((p) => [p.code, p.line, p.message]),
      [
        [
          'catalog.expression',
          29,
          'tags: "ghcr.io/acme/service-backend:${{ steps.meta.outputs.version }}" holds an expression, known only when the workflow runs',
        ],
        [
          'catalog.expression',
          32,
          'build-args: "BUILD_SHA=${{ github.sha }}" holds an expression, known only when the workflow runs',
        ],
        [
          'catalog.expression',
          43,
          'tags: "${{ steps.meta.outputs.tags }}" holds an expression, known only when the workflow runs',
        ],
      ],
    );
  });

  it('builds the repository root by default, as the Git context does', () => {
    const { claims } = parseWorkflow(step('tags: acme/app'), file, repo);
    assert.deepEqual(
      claims.map((c) => [c.dockerfile, c.name, c.tags]),
      [['/repo/Dockerfile', 'docker.io/acme/app', ['latest']]],
    );
  });

  it('reads a subfolder of the Git context, where file is inside the context', () => {
    const { claims } = parseWorkflow(
      step('context: "{{defaultContext}}:images/base"\nfile: Dockerfile.slim\ntags: acme/base:1'),
      file,
      repo,
    );
    assert.equal(claims[0]?.dockerfile, '/repo/images/base/Dockerfile.slim');
  });

  it('reads file relative to the workspace for a path context', () => {
    const { claims } = parseWorkflow(
      step('context: ./images\nfile: ./docker/images.Dockerfile\ntags: acme/images:1'),
      file,
      repo,
    );
    assert.equal(claims[0]?.dockerfile, '/repo/docker/images.Dockerfile');
  });

  it('still knows the Dockerfile when only the context is an expression', () => {
    const known = parseWorkflow(
      step('context: ${{ matrix.dir }}\nfile: docker/Dockerfile\ntags: acme/app:1'),
      file,
      repo,
    );
    assert.equal(known.claims[0]?.dockerfile, '/repo/docker/Dockerfile');
    assert.deepEqual(known.problems, []);
    const unknown = parseWorkflow(step('context: ${{ matrix.dir }}\ntags: acme/app:1'), file, repo);
    assert.deepEqual(unknown.claims, []);
    assert.deepEqual(
      unknown.problems.map((p) => [p.code, p.line]),
      [['catalog.expression', 9]],
    );
  });

  it('reports remote contexts, invalid tags and non-string inputs', () => {
    const remote = parseWorkflow(
      step('context: https://github.com/acme/app.git#main\ntags: acme/app'),
      file,
      repo,
    );
    assert.equal(remote.problems[0]?.code, 'catalog.remote-context');
    const invalid = parseWorkflow(step('tags: |\n  acme/App:1\n  acme/app:2'), file, repo);
    assert.deepEqual(
      invalid.claims.map((c) => c.tags),
      [['2']],
    );
    assert.equal(invalid.problems[0]?.code, 'catalog.reference');
    const list = parseWorkflow(step('tags: [acme/app:1]'), file, repo);
    assert.equal(list.problems[0]?.code, 'catalog.shape');
  });

  it('ignores other actions and builds without tags', () => {
    const other = step('tags: acme/app').replace(
      'docker/build-push-action@v6',
      'docker/bake-action@v5',
    );
    assert.deepEqual(parseWorkflow(other, file, repo), { claims: [], problems: [] });
    assert.deepEqual(parseWorkflow(step('push: false'), file, repo), { claims: [], problems: [] });
  });

  it('reports malformed YAML instead of throwing', () => {
    const { claims, problems } = parseWorkflow(
      'jobs:\n  a:\n    steps:\n      - uses: docker/build-push-action@v6\n\t with: {}\n',
      file,
      repo,
    );
    assert.deepEqual(claims, []);
    assert.equal(problems[0]?.code, 'catalog.syntax');
    assert.equal(problems[0]?.line, 5);
  });
});
