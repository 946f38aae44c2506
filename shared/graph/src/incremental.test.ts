import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseReference } from '@restack/reference';
import { buildGraph, indexProducers } from './build.js';
import { patchGraph } from './incremental.js';
import type { DockerfileDeps, Graph, ProducedImage } from './types.js';

function df(dockerfile: string, ...refs: string[]): DockerfileDeps {
  return {
    dockerfile,
    errors: refs.includes('bad') ? [{ file: dockerfile, line: 1, message: 'bad' }] : [],
    dependencies: refs
      .filter((r) => r !== 'bad')
      .map((r, i) => {
        const p = parseReference(r);
        if (!p.ok) throw new Error(p.error);
        return { line: i + 1, kind: 'from' as const, ref: p.ref };
      }),
  };
}

const produced = new Map<string, ProducedImage[]>(
  ['a', 'b', 'c', 'd'].map((n) => [
    `${n}/Dockerfile`,
    [{ name: `registry.example.com/${n}`, tags: ['1'], source: 'config', file: 'restack.yaml' }],
  ]),
);

function plain(g: Graph) {
  return {
    nodes: g.nodes,
    edges: g.edges,
    external: g.external,
    errors: g.errors,
    cyclic: [...g.cyclic].sort(),
  };
}

describe('patchGraph', () => {
  const before = [
    df('a/Dockerfile', 'debian:bookworm'),
    df('b/Dockerfile', 'registry.example.com/a:1'),
    df('c/Dockerfile', 'registry.example.com/b:1', 'alpine:3'),
    df('d/Dockerfile', 'registry.example.com/a:1'),
  ];
  const cases: Array<[string, DockerfileDeps[], string[]]> = [
    [
      'modify an edge',
      [before[0]!, before[1]!, df('c/Dockerfile', 'registry.example.com/d:1'), before[3]!],
      ['c/Dockerfile'],
    ],
    [
      'add a Dockerfile',
      [...before, df('e/Dockerfile', 'registry.example.com/c:1', 'bad')],
      ['e/Dockerfile'],
    ],
    ['remove an unproduced Dockerfile', before.slice(0, 3), []],
    [
      'create a cycle',
      [df('a/Dockerfile', 'registry.example.com/c:1'), ...before.slice(1)],
      ['a/Dockerfile'],
    ],
  ];
  for (const [name, after, changed] of cases) {
    it(`gives what buildGraph gives: ${name}`, () => {
      const producers = indexProducers(produced);
      const prev = buildGraph(before, produced, producers);
      const ids = new Set([
        ...changed,
        ...before.map((d) => d.dockerfile).filter((d) => !after.some((x) => x.dockerfile === d)),
      ]);
      assert.deepEqual(
        plain(patchGraph(prev, after, ids, produced, producers)),
        plain(buildGraph(after, produced, producers)),
      );
    });
  }
});
