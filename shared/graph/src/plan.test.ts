import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseReference, type ImageReference } from '@restack/reference';
import { buildGraph, planChange } from './index.js';
import type { DockerfileDeps, ProducedImage, ReferenceKind } from './index.js';

function ref(text: string): ImageReference {
  const r = parseReference(text);
  if (!r.ok) throw new Error(r.error);
  return r.ref;
}

/** A Dockerfile that depends on `refs` ("kind:ref" or plain "ref" for FROM). */
function df(dockerfile: string, ...refs: string[]): DockerfileDeps {
  return {
    dockerfile,
    errors: [],
    dependencies: refs.map((r, i) => {
      const [kind, text] = r.includes('|')
        ? (r.split('|') as [ReferenceKind, string])
        : (['from', r] as const);
      return { line: i + 1, kind, ref: ref(text) };
    }),
  };
}

function produces(entries: Record<string, string>): Map<string, ProducedImage[]> {
  const map = new Map<string, ProducedImage[]>();
  for (const [dockerfile, image] of Object.entries(entries)) {
    const [name, tag] = image.split(':') as [string, string];
    map.set(dockerfile, [
      { name: ref(name).name, tags: [tag], source: 'config', file: 'restack.yaml' },
    ]);
  }
  return map;
}

const h = (c: string) => `sha256:${c.repeat(64)}`;

describe('buildGraph', () => {
  it('links a Dockerfile to the one producing its base, and lists external roots', () => {
    const g = buildGraph(
      [df('base/Dockerfile', 'debian:bookworm'), df('app/Dockerfile', 'r.example.com/base:1')],
      produces({ 'base/Dockerfile': 'r.example.com/base:1' }),
    );
    assert.deepEqual(g.edges, [
      { from: 'base/Dockerfile', to: 'app/Dockerfile', ref: 'r.example.com/base:1', kind: 'from' },
    ]);
    assert.deepEqual(g.external, [
      { ref: 'docker.io/library/debian:bookworm', dependents: ['base/Dockerfile'] },
    ]);
    assert.deepEqual(g.errors, []);
  });

  it('matches a pinned digest through the tag, and a bare digest only when known', () => {
    const produced = produces({ 'base/Dockerfile': 'r.example.com/base:1' });
    produced.get('base/Dockerfile')![0]!.digests = [h('a')];
    const g = buildGraph(
      [
        df('base/Dockerfile', 'debian:bookworm'),
        df('pinned/Dockerfile', `r.example.com/base:1@${h('b')}`),
        df('known/Dockerfile', `r.example.com/base@${h('a')}`),
        df('unknown/Dockerfile', `r.example.com/base@${h('c')}`),
      ],
      produced,
    );
    assert.deepEqual(
      g.edges.map((e) => e.to),
      ['known/Dockerfile', 'pinned/Dockerfile'],
    );
    assert.ok(g.external.some((x) => x.ref === `r.example.com/base@${h('c')}`));
  });

  it('reports a cycle naming its Dockerfiles instead of hanging', () => {
    const g = buildGraph(
      [df('a/Dockerfile', 'r.example.com/b:1'), df('b/Dockerfile', 'r.example.com/a:1')],
      produces({ 'a/Dockerfile': 'r.example.com/a:1', 'b/Dockerfile': 'r.example.com/b:1' }),
    );
    assert.equal(g.errors.length, 1);
    assert.match(g.errors[0]!.message, /cycle: a\/Dockerfile -> b\/Dockerfile -> a\/Dockerfile/);
    const plan = planChange(g, [ref('r.example.com/a:1')]);
    assert.deepEqual(plan.waves, []);
    assert.match(plan.errors?.join() ?? '', /cycle/);
  });

  it('reports a Dockerfile that builds FROM its own image as a cycle', () => {
    const g = buildGraph(
      [df('a/Dockerfile', 'r.example.com/a:1')],
      produces({ 'a/Dockerfile': 'r.example.com/a:1' }),
    );
    assert.match(g.errors[0]?.message ?? '', /cycle: a\/Dockerfile -> a\/Dockerfile/);
  });

  it('handles a chain of 5,000 Dockerfiles without deep recursion', () => {
    const files: DockerfileDeps[] = [df('d0', 'debian:bookworm')];
    const made: Record<string, string> = { d0: 'r.example.com/i0:1' };
    for (let i = 1; i < 5000; i++) {
      files.push(df(`d${i}`, `r.example.com/i${i - 1}:1`));
      made[`d${i}`] = `r.example.com/i${i}:1`;
    }
    const plan = planChange(buildGraph(files, produces(made)), [ref('debian:bookworm')]);
    assert.equal(plan.waves.length, 5000);
  });
});

describe('planChange', () => {
  const graph = buildGraph(
    [
      df('base/Dockerfile', 'debian:bookworm'),
      df('slim/Dockerfile', 'debian:bookworm-slim'),
      df('pinned/Dockerfile', `debian:bookworm@${h('9')}`),
      df('left/Dockerfile', 'r.example.com/base:1'),
      df('right/Dockerfile', 'r.example.com/base:1'),
      // A diamond whose second parent is only copied from.
      df('app/Dockerfile', 'r.example.com/left:1', 'copy|r.example.com/right:1'),
      df('tool/Dockerfile', 'r.example.com/base:1', 'r.example.com/app:1'),
      df('other/Dockerfile', 'alpine:3.20'),
    ],
    produces({
      'base/Dockerfile': 'r.example.com/base:1',
      'left/Dockerfile': 'r.example.com/left:1',
      'right/Dockerfile': 'r.example.com/right:1',
      'app/Dockerfile': 'r.example.com/app:1',
    }),
  );

  it('orders waves by the longest path and coalesces diamonds', () => {
    assert.deepEqual(planChange(graph, [ref('debian:bookworm')]), {
      changed: ['docker.io/library/debian:bookworm'],
      waves: [
        ['base/Dockerfile', 'pinned/Dockerfile'],
        ['left/Dockerfile', 'right/Dockerfile'],
        ['app/Dockerfile'],
        ['tool/Dockerfile'],
      ],
      unaffected: 2,
    });
  });

  it('does not treat a different tag of the same repository as changed', () => {
    const plan = planChange(graph, [ref('debian:bookworm-slim')]);
    assert.deepEqual(plan.waves, [['slim/Dockerfile']]);
  });

  it('plans from an internal image without rebuilding its producer', () => {
    const plan = planChange(graph, [ref('r.example.com/left:1')]);
    assert.deepEqual(plan.waves, [['app/Dockerfile'], ['tool/Dockerfile']]);
  });

  it('merges several changed references into one plan', () => {
    const plan = planChange(graph, [ref('alpine:3.20'), ref('debian:bookworm-slim')]);
    assert.deepEqual(plan.waves, [['other/Dockerfile', 'slim/Dockerfile']]);
    assert.equal(plan.unaffected, 6);
  });

  it('gives empty waves for a reference nothing uses', () => {
    assert.deepEqual(planChange(graph, [ref('nginx:1')]), {
      changed: ['docker.io/library/nginx:1'],
      waves: [],
      unaffected: 8,
    });
  });

  it('matches an untagged FROM as latest', () => {
    const g = buildGraph([df('a', 'nginx')], new Map());
    assert.deepEqual(planChange(g, [ref('nginx:latest')]).waves, [['a']]);
    assert.deepEqual(planChange(g, [ref('nginx')]).waves, [['a']]);
    assert.deepEqual(planChange(g, [ref('nginx:1')]).waves, []);
  });

  it('matches a digest-only change against the same pinned digest', () => {
    assert.deepEqual(planChange(graph, [ref(`debian@${h('9')}`)]).waves[0], ['pinned/Dockerfile']);
  });
});
