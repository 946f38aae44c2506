import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot, runCli } from '../harness/cli.js';

// `restack graph` and `restack plan` on an organisation whose image mappings
// come from restack.yaml, compose, bake, a workflow and a directive.

const config = path.join(repoRoot, 'test', 'fixtures', 'graph', 'catalog-org', 'restack.yaml');

interface GraphJson {
  nodes: Array<{
    dockerfile: string;
    images: Array<{ name: string; tags: string[]; source: string; file: string }>;
  }>;
  edges: Array<{ from: string; to: string; ref: string; kind: string }>;
  external: Array<{ ref: string; dependents: string[] }>;
  errors: Array<{ file?: string; line?: number | null; message: string }>;
}

describe('graph: catalog discovery', () => {
  it('says where each mapping came from, and which file', async () => {
    const r = await runCli(['graph', '--config', config]);
    const graph = JSON.parse(r.stdout) as GraphJson;
    const mapping = Object.fromEntries(
      graph.nodes
        .filter((n) => n.images.length)
        .map((n) => [n.dockerfile, n.images.map((i) => [i.name, i.tags, i.source, i.file])]),
    );
    assert.deepEqual(mapping, {
      'repos/base/Dockerfile': [
        ['registry.example.com/platform/base', ['1'], 'config', 'restack.yaml'],
      ],
      'repos/app/Dockerfile': [
        ['registry.example.com/apps/app', ['2'], 'compose', 'repos/app/compose.yaml'],
      ],
      'repos/tools/Dockerfile': [
        ['registry.example.com/apps/tools', ['1'], 'bake', 'repos/tools/docker-bake.hcl'],
      ],
      'repos/worker/Dockerfile': [
        [
          'registry.example.com/apps/worker',
          ['1'],
          'workflow',
          'repos/worker/.github/workflows/build.yml',
        ],
      ],
      'repos/edge/Dockerfile': [
        ['registry.example.com/apps/edge', ['1'], 'directive', 'repos/edge/Dockerfile'],
      ],
    });
  });

  it('reports a conflicting claim as a graph error, and restack.yaml wins', async () => {
    const r = await runCli(['graph', '--config', config]);
    assert.equal(r.code, 1, 'a graph with errors exits 1');
    const graph = JSON.parse(r.stdout) as GraphJson;
    assert.equal(graph.errors.length, 1);
    const [error] = graph.errors;
    assert.equal(error?.file, 'repos/rogue/Dockerfile');
    assert.match(
      error?.message ?? '',
      /registry\.example\.com\/platform\/base:1 is given to repos\/base\/Dockerfile by restack\.yaml/,
    );
    assert.match(error?.message ?? '', /restack\.yaml wins/);
    // The rogue Dockerfile produces nothing and nothing is built from it.
    assert.deepEqual(
      graph.nodes.find((n) => n.dockerfile === 'repos/rogue/Dockerfile')?.images,
      [],
    );
    assert.ok(!graph.edges.some((e) => e.from === 'repos/rogue/Dockerfile'));
  });

  it('plans across mappings of every kind, parents before children', async () => {
    const r = await runCli(['plan', '--config', config, '--changed', 'debian:bookworm']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      changed: ['docker.io/library/debian:bookworm'],
      waves: [
        ['repos/base/Dockerfile'],
        ['repos/app/Dockerfile'],
        ['repos/tools/Dockerfile'],
        ['repos/worker/Dockerfile'],
        ['repos/edge/Dockerfile'],
      ],
      unaffected: 2,
    });
  });
});
