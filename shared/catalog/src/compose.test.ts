import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { interpolateCompose, parseCompose, parseComposeProject, parseDotEnv } from './index.js';

const tree = fileURLToPath(new URL('../fixtures/tree/', import.meta.url));
const fixture = (rel: string) => ({
  file: path.join(tree, rel),
  text: readFileSync(path.join(tree, rel), 'utf8'),
});

describe('parseCompose', () => {
  it('reads services with build and image from a real-world file, with its .env', () => {
    const { file, text } = fixture('sentry/docker-compose.yml');
    const vars = parseDotEnv(readFileSync(path.join(tree, 'sentry/.env'), 'utf8'));
    const { claims, problems } = parseCompose(text, file, vars);
    assert.deepEqual(problems, []);
    const summary = claims.map((c) => [path.relative(tree, c.dockerfile), c.name, c.tags, c.line]);
    assert.deepEqual(summary, [
      [
        'sentry/clickhouse/Dockerfile',
        'docker.io/library/clickhouse-self-hosted-local',
        ['latest'],
        21,
      ],
      [
        'sentry/cron/Dockerfile',
        'docker.io/library/symbolicator-cleanup-self-hosted-local',
        ['latest'],
        28,
      ],
      // web, cron and worker get image and build through the merge key `<<: *sentry_defaults`.
      ['sentry/sentry/Dockerfile', 'docker.io/library/sentry-self-hosted-local', ['latest'], 33],
      ['sentry/sentry/Dockerfile', 'docker.io/library/sentry-self-hosted-local', ['latest'], 35],
      ['sentry/sentry/Dockerfile', 'docker.io/library/sentry-self-hosted-local', ['latest'], 38],
    ]);
    assert.deepEqual(claims[1]?.buildArgs, { BASE_IMAGE: 'getsentry/symbolicator:nightly' });
    // `- SENTRY_IMAGE` has no value: Compose leaves it unset, so does restack.
    assert.deepEqual(claims[2]?.buildArgs, {});
    assert.equal(claims[0]?.source, 'compose');
    assert.equal(claims[0]?.file, file);
  });

  it('reports a variable that is neither set nor defaulted, and drops only that value', () => {
    const { file, text } = fixture('sentry/docker-compose.yml');
    const { claims, problems } = parseCompose(text, file);
    assert.equal(claims.length, 5);
    assert.deepEqual(claims[1]?.buildArgs, {});
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.code, 'catalog.variable');
    assert.equal(problems[0]?.line, 32);
    assert.match(
      problems[0]?.message ?? '',
      /symbolicator-cleanup: build\.args\.BASE_IMAGE: variable SYMBOLICATOR_IMAGE is not set/,
    );
  });

  it('merges an override file into the project, as Compose does', () => {
    const { claims, problems } = parseComposeProject([
      fixture('app-compose/compose.yaml'),
      fixture('app-compose/compose.override.yaml'),
    ]);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      claims.map((c) => ({
        ...c,
        dockerfile: path.relative(tree, c.dockerfile),
        file: path.relative(tree, c.file),
      })),
      [
        {
          dockerfile: 'app-compose/api/Dockerfile',
          name: 'registry.example.com/app/api',
          tags: ['dev'],
          buildArgs: { DEBUG: 'true' },
          target: null,
          source: 'compose',
          file: 'app-compose/compose.override.yaml',
          line: 3,
        },
        {
          dockerfile: 'app-compose/worker/Dockerfile',
          name: 'registry.example.com/app/worker',
          tags: ['2.0'],
          buildArgs: {},
          target: 'prod',
          source: 'compose',
          file: 'app-compose/compose.yaml',
          line: 7,
        },
      ],
    );
  });

  it('resolves the Dockerfile against the context and the context against the file', () => {
    const text = [
      'services:',
      '  a:',
      '    image: registry.example.com/a',
      '    build: { context: ../src, dockerfile: docker/Dockerfile.a, args: [X=1, "Y=a=b", Z] }',
      '  b:',
      '    image: b@sha256:' + 'a'.repeat(64),
      '    build: .',
      '  c:',
      '    image: registry.example.com/c',
      '    build: { context: "https://github.com/acme/c.git#main" }',
      '  d:',
      '    image: registry.example.com/d',
      '    build: { dockerfile_inline: "FROM scratch" }',
      '  e:',
      '    build: .',
    ].join('\n');
    const { claims, problems } = parseCompose(text, '/repo/deploy/compose.yaml');
    assert.deepEqual(
      claims.map((c) => [c.dockerfile, c.name, c.tags, c.buildArgs]),
      [
        [
          '/repo/src/docker/Dockerfile.a',
          'registry.example.com/a',
          ['latest'],
          { X: '1', Y: 'a=b' },
        ],
      ],
    );
    assert.deepEqual(
      problems.map((p) => [p.code, p.line]),
      [
        ['catalog.reference', 6],
        ['catalog.remote-context', 8],
      ],
    );
  });

  it('reports malformed YAML and wrong shapes with their lines instead of throwing', () => {
    const bad = parseCompose('services:\n  a:\n    image: x\n\t  build: .\n', '/r/compose.yaml');
    assert.equal(bad.problems[0]?.code, 'catalog.syntax');
    assert.equal(bad.problems[0]?.line, 4);
    assert.equal(bad.problems[0]?.message, 'invalid YAML: Tabs are not allowed as indentation');
    const shape = parseCompose('services:\n  a:\n    image: 3\n    build: .\n', '/r/compose.yaml');
    assert.deepEqual(
      shape.problems.map((p) => [p.code, p.line]),
      [['catalog.shape', 3]],
    );
    assert.deepEqual(
      parseCompose('services: [1]\n', '/r/compose.yaml').problems[0]?.code,
      'catalog.shape',
    );
    assert.deepEqual(parseCompose('', '/r/compose.yaml'), { claims: [], problems: [] });
  });
});

describe('interpolateCompose', () => {
  const vars = new Map([
    ['SET', 'value'],
    ['EMPTY', ''],
  ]);
  const cases: Array<[string, string | null]> = [
    ['${SET}', 'value'],
    ['$SET/x', 'value/x'],
    ['${UNSET:-d}', 'd'],
    ['${EMPTY:-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${UNSET-d}', 'd'],
    ['${SET:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET:-${SET}-x}', 'value-x'],
    ['$${SET} costs $$5', '${SET} costs $5'],
    ['${SET:?must be set}', 'value'],
    ['${UNSET}', null],
    ['${UNSET:?must be set}', null],
    ['${EMPTY:?must be set}', null],
    ['${UNSET', null],
    ['$1', null],
  ];
  for (const [input, expected] of cases) {
    it(`${input} -> ${expected ?? 'unresolved'}`, () => {
      const result = interpolateCompose(input, vars);
      assert.deepEqual(result.ok ? result.value : null, expected);
    });
  }

  it('reads .env files as Compose writes them', () => {
    const env = parseDotEnv(
      '# c\nexport A=1\nB="two words" \nC=three # note\nD=\'$x\'\nnot a line\n',
    );
    assert.deepEqual(Object.fromEntries(env), { A: '1', B: 'two words', C: 'three', D: '$x' });
  });
});
