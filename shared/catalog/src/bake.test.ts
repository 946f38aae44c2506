import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseBake, parseBakeProject, type Claim } from './index.js';

const tree = fileURLToPath(new URL('../fixtures/tree/', import.meta.url));
const read = (rel: string) => readFileSync(path.join(tree, rel), 'utf8');
const brief = (claims: Claim[], base = '/r') =>
  claims.map((c) => [path.relative(base, c.dockerfile), c.name, c.tags, c.buildArgs, c.target]);

describe('parseBake (HCL)', () => {
  it('reads a real-world file: variables, ordered inherits, shared parent targets', async () => {
    const file = path.join(tree, 'buildx/docker-bake.hcl');
    const { claims, problems } = await parseBake(read('buildx/docker-bake.hcl'), file, 'hcl');
    assert.deepEqual(problems, []);
    const args = { GO_VERSION: '1.17.0', BUILDKIT_CONTEXT_KEEP_GIT_DIR: '1' };
    // `meta-helper` and `image` are only inherited, so they claim nothing themselves.
    assert.deepEqual(brief(claims, tree), [
      ['buildx/Dockerfile', 'docker.io/docker/buildx-bin', ['local'], args, 'binaries'],
      ['buildx/Dockerfile', 'docker.io/docker/buildx-bin', ['1.17.0', 'latest'], args, 'binaries'],
    ]);
    assert.deepEqual(
      claims.map((c) => [c.source, c.file, c.line]),
      [
        ['bake', file, 47],
        ['bake', file, 52],
      ],
    );
  });

  it('applies inherits in order, later parents and the target itself winning', async () => {
    const hcl = `
      target "a" {
        dockerfile = "a.Dockerfile"
        args = { X = "a", A = "1" }
        tags = ["r.example.com/a"]
      }
      target "b" {
        dockerfile = "b.Dockerfile"
        args = { X = "b" }
      }
      target "c" {
        inherits = ["a", "b"]
        args = { C = "3" }
      }
      group "default" { targets = ["a"] }
    `;
    const { claims, problems } = await parseBake(hcl, '/r/docker-bake.hcl', 'hcl');
    assert.deepEqual(problems, []);
    // `a` is inherited but a group builds it, so it claims too.
    assert.deepEqual(brief(claims), [
      ['a.Dockerfile', 'r.example.com/a', ['latest'], { X: 'a', A: '1' }, null],
      ['b.Dockerfile', 'r.example.com/a', ['latest'], { X: 'b', A: '1', C: '3' }, null],
    ]);
  });

  it('evaluates variables from defaults only, including defaults that use variables', async () => {
    const hcl = `
      variable "REGISTRY" { default = "registry.example.com" }
      variable "REPO" { default = "\${REGISTRY}/team/app" }
      variable "TAG" {}
      variable "UNSET" { default = null }
      variable "TAGS" { default = ["1", "1.2"] }
      target "app" {
        context = "src"
        dockerfile = "cwd://docker/Dockerfile"
        args = { NULLED = UNSET, ESCAPED = "$\${HOME}", NUM = 3, FLAG = true }
        tags = ["\${REPO}:v\${TAG}", "\${REPO}:latest"]
      }
    `;
    const { claims, problems } = await parseBake(hcl, '/r/docker-bake.hcl', 'hcl');
    assert.deepEqual(problems, []);
    assert.deepEqual(brief(claims), [
      [
        'docker/Dockerfile',
        'registry.example.com/team/app',
        ['v', 'latest'],
        { ESCAPED: '${HOME}', NUM: '3', FLAG: 'true' },
        null,
      ],
    ]);
  });

  it('reports what it cannot evaluate instead of guessing', async () => {
    const hcl = `
      variable "TAG" { default = "1" }
      target "fn" { tags = ["r.example.com/a:\${upper(TAG)}", "r.example.com/a:\${TAG}"] }
      target "ref" {
        dockerfile = target.fn.dockerfile
        tags = ["r.example.com/b"]
      }
      target "unknown" { tags = ["r.example.com/c:\${MISSING}"] }
      target "matrix" {
        name = "app-\${item}"
        matrix = { item = ["x", "y"] }
        tags = ["r.example.com/\${item}"]
      }
      target "remote" {
        context = "https://github.com/acme/app.git#main"
        tags = ["r.example.com/d"]
      }
    `;
    const { claims, problems } = await parseBake(hcl, '/r/docker-bake.hcl', 'hcl');
    assert.deepEqual(brief(claims), [['Dockerfile', 'r.example.com/a', ['1'], {}, null]]);
    assert.deepEqual(
      problems.map((p) => [p.code, p.line]),
      [
        ['catalog.expression', 3],
        ['catalog.expression', 4],
        ['catalog.variable', 8],
        ['catalog.unsupported', 9],
        ['catalog.remote-context', 14],
      ],
    );
    assert.match(problems[0]?.message ?? '', /target fn: tags: .*upper\(TAG\)/);
  });

  it('reports inherits cycles and missing parents, and still reads the rest', async () => {
    const hcl = `
      target "one" { inherits = ["two"] }
      target "two" { inherits = ["three"] }
      target "three" { inherits = ["one"] }
      target "app" {
        inherits = ["docker-metadata-action", "one"]
        tags = ["r.example.com/app:1"]
      }
    `;
    const { claims, problems } = await parseBake(hcl, '/r/docker-bake.hcl', 'hcl');
    assert.deepEqual(brief(claims), [['Dockerfile', 'r.example.com/app', ['1'], {}, null]]);
    assert.deepEqual(
      problems.map((p) => [p.code, p.message]),
      [
        ['catalog.inherits', 'inherits cycle: one -> two -> three -> one'],
        ['catalog.inherits', 'target app inherits docker-metadata-action, which is not defined'],
      ],
    );
    assert.match(problems[1]?.fix ?? '', /define an empty target "docker-metadata-action"/);
  });

  it('reports a variable cycle at the variable, not at every use', async () => {
    const hcl = 'variable "A" {\n  default = "${B}"\n}\nvariable "B" {\n  default = "${A}"\n}\n';
    const { problems } = await parseBake(hcl, '/r/docker-bake.hcl', 'hcl');
    assert.deepEqual(problems, []);
    const used = await parseBake(
      `${hcl}target "t" {\n  context = "\${A}"\n  tags = ["x/t"]\n}\n`,
      '/r/docker-bake.hcl',
      'hcl',
    );
    assert.deepEqual(
      used.problems.map((p) => [p.code, p.line, p.message]),
      [['catalog.variable', 1, 'variable A depends on itself']],
    );
    assert.deepEqual(used.claims, []);
  });

  it('reports malformed HCL with its line instead of throwing', async () => {
    const { claims, problems } = await parseBake(
      'target "x" {\n  tags = [\n}\n',
      '/r/docker-bake.hcl',
      'hcl',
    );
    assert.deepEqual(claims, []);
    assert.equal(problems[0]?.code, 'catalog.syntax');
    assert.equal(problems[0]?.line, 3);
    assert.match(problems[0]?.message ?? '', /^invalid HCL: Invalid expression/);
  });
});

describe('parseBake (JSON)', () => {
  it('merges docker-bake.json with its override: global attributes set variables', async () => {
    const files = ['docker-bake.json', 'docker-bake.override.json'].map((name) => ({
      file: path.join(tree, 'webapp', name),
      text: read(`webapp/${name}`),
      format: 'json' as const,
    }));
    const { claims, problems } = await parseBakeProject(files);
    assert.deepEqual(problems, []);
    assert.deepEqual(brief(claims, tree), [
      ['webapp/Dockerfile', 'docker.io/username/webapp', ['1.4'], { NODE_VERSION: '20' }, null],
      [
        'webapp/debug.Dockerfile',
        'docker.io/username/webapp',
        ['debug'],
        { NODE_VERSION: '20', DEBUG: '1' },
        null,
      ],
    ]);
    assert.deepEqual(
      claims.map((c) => [path.basename(c.file), c.line]),
      [
        ['docker-bake.json', 17],
        ['docker-bake.override.json', 5],
      ],
    );
  });

  it('merges same-named targets across files, later attributes winning', async () => {
    const { claims } = await parseBakeProject([
      {
        file: '/r/docker-bake.json',
        format: 'json',
        text: '{"target":{"app":{"context":"a","tags":["x/app:1"],"args":{"A":"1"}}}}',
      },
      {
        file: '/r/docker-bake.override.json',
        format: 'json',
        text: '{"target":{"app":{"tags":["x/app:2"],"args":{"B":"2"}}}}',
      },
    ]);
    assert.deepEqual(brief(claims), [
      ['a/Dockerfile', 'docker.io/x/app', ['2'], { A: '1', B: '2' }, null],
    ]);
  });

  it('reports malformed JSON and wrong shapes instead of throwing', async () => {
    const bad = await parseBake(
      '{\n  "target": {\n    "a": {,}\n  }\n}',
      '/r/docker-bake.json',
      'json',
    );
    assert.equal(bad.problems[0]?.code, 'catalog.syntax');
    const notObject = await parseBake('[1]', '/r/docker-bake.json', 'json');
    assert.equal(notObject.problems[0]?.code, 'catalog.shape');
    const wrongTags = await parseBake('{"target":{"a":{"tags":5}}}', '/r/docker-bake.json', 'json');
    assert.deepEqual(
      wrongTags.problems.map((p) => [p.code, p.line]),
      [['catalog.shape', 1]],
    );
  });
});
