import assert from 'node:assert/strict';
import { describe, it, before, after } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(root, 'cli', 'bin', 'restack.js');
const example = path.join(root, 'examples', 'acme', 'restack.yaml');

function restack(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

describe('restack ref', () => {
  it('prints one object per input in order and exits 1 when one is invalid', () => {
    const r = restack(
      'ref',
      '--json',
      'ubuntu',
      'Foo/bar',
      'foo@sha256:abc',
      'localhost:5000/x@sha256:' + 'a'.repeat(64),
    );
    assert.equal(r.code, 1);
    const out = r.json();
    assert.deepEqual(
      out.map((o: { input: string; valid: boolean }) => [o.input, o.valid]),
      [
        ['ubuntu', true],
        ['Foo/bar', true],
        ['foo@sha256:abc', false],
        ['localhost:5000/x@sha256:' + 'a'.repeat(64), true],
      ],
    );
    assert.equal(out[1].domain, 'Foo');
  });
  it('exits 0 when all are valid', () => {
    const r = restack('ref', 'debian:bookworm');
    assert.equal(r.code, 0);
    assert.equal(r.json()[0].name, 'docker.io/library/debian');
  });
  it('explains an invalid one', () => {
    const r = restack('ref', 'UPPER:tag');
    assert.equal(r.code, 1);
    assert.match(r.json()[0].error, /lowercase/);
  });
});

describe('restack graph and plan on the example organisation', () => {
  it('draws the graph with catalog mappings, edges and external roots', () => {
    const r = restack('graph', '--config', example);
    assert.equal(r.code, 0, r.stderr);
    const g = r.json();
    // Nine Dockerfiles of the organisation and restack's own.
    assert.equal(g.nodes.length, 10);
    const own = g.nodes.find(
      (n: { dockerfile: string }) => n.dockerfile === 'repos/restack/Dockerfile',
    );
    assert.equal(own.images.length, 10);
    const python = g.nodes.find(
      (n: { dockerfile: string }) => n.dockerfile === 'repos/base-images/python/3.12/Dockerfile',
    );
    assert.deepEqual(python.images, [
      {
        name: 'registry.example.com/platform/python',
        tags: ['3.12', '3.12-bookworm'],
        source: 'config',
        file: 'restack.yaml',
      },
    ]);
    assert.ok(
      g.edges.some(
        (e: { from: string; to: string; kind: string }) =>
          e.from === 'repos/base-images/node/20/Dockerfile' &&
          e.to === 'repos/services/api/Dockerfile' &&
          e.kind === 'copy',
      ),
    );
    const debian = g.external.find(
      (x: { ref: string }) => x.ref === 'docker.io/library/debian:bookworm',
    );
    assert.deepEqual(debian.dependents, ['repos/base-images/debian/Dockerfile']);
    assert.deepEqual(g.errors, []);
  });

  it('plans a Debian move parents before children', () => {
    const r = restack('plan', '--config', example, '--changed', 'debian:bookworm');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json(), {
      changed: ['docker.io/library/debian:bookworm'],
      waves: [
        ['repos/base-images/debian/Dockerfile'],
        ['repos/base-images/node/20/Dockerfile', 'repos/base-images/python/3.12/Dockerfile'],
        ['repos/platform/python-worker/Dockerfile', 'repos/services/api/Dockerfile'],
        ['repos/services/billing/Dockerfile'],
        ['repos/services/reports/Dockerfile'],
      ],
      unaffected: 3,
    });
  });

  it('gives empty waves for a reference nothing uses', () => {
    const r = restack('plan', '--config', example, '--changed', 'nginx:1.27');
    assert.equal(r.code, 0);
    assert.deepEqual(r.json().waves, []);
    assert.equal(r.json().unaffected, 10);
  });

  it('prints DOT and Mermaid', () => {
    assert.match(
      restack('graph', '--config', example, '--format', 'dot').stdout,
      /^digraph restack \{/,
    );
    assert.match(
      restack('graph', '--config', example, '--format', 'mermaid').stdout,
      /^flowchart LR/,
    );
  });
});

describe('restack with bad input', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'restack-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('names the config line and field, and exits 2', () => {
    const config = path.join(dir, 'bad.yaml');
    writeFileSync(
      config,
      'sources:\n  - path: .\nimages:\n  - name: a\n    dockerfiel: x/Dockerfile\n',
    );
    const r = restack('plan', '--config', config, '--changed', 'debian');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:4/);
    assert.match(r.stderr, /dockerfile: expected string/);
    assert.match(r.stderr, /unknown key "dockerfiel"/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
  });

  it('reports a cycle naming its Dockerfiles, and exits 1', () => {
    mkdirSync(path.join(dir, 'a'), { recursive: true });
    mkdirSync(path.join(dir, 'b'), { recursive: true });
    writeFileSync(path.join(dir, 'a', 'Dockerfile'), 'FROM r.example.com/b:1\n');
    writeFileSync(path.join(dir, 'b', 'Dockerfile'), 'FROM r.example.com/a:1\n');
    const config = path.join(dir, 'cycle.yaml');
    writeFileSync(
      config,
      'sources: [{path: .}]\nimages:\n  - {name: r.example.com/a, tags: ["1"], dockerfile: a/Dockerfile}\n  - {name: r.example.com/b, tags: ["1"], dockerfile: b/Dockerfile}\n',
    );
    const r = restack('graph', '--config', config);
    assert.equal(r.code, 1);
    assert.match(
      JSON.stringify(r.json().errors),
      /cycle: a\/Dockerfile -> b\/Dockerfile -> a\/Dockerfile/,
    );
  });

  it('says how to use a command it does not know', () => {
    const r = restack('frobnicate');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command "frobnicate"/);
  });

  it('requires --changed for plan', () => {
    const r = restack('plan', '--config', example);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--changed REF is required/);
  });
});
