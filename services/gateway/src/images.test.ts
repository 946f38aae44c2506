import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent } from '@restack/events';
import { loadCatalog } from '@restack/eol';
import { createImageProjection } from './image-projection.js';
import { createImageSource } from './images.js';
import type { GraphView } from './views.js';

const graph: GraphView = {
  nodes: [
    {
      dockerfile: 'base/Dockerfile',
      images: [{ name: 'r.example/base', tags: ['1'], source: 'config', file: 'restack.yaml' }],
    },
    {
      dockerfile: 'app/Dockerfile',
      images: [{ name: 'r.example/app', tags: ['2'], source: 'config', file: 'restack.yaml' }],
    },
  ],
  edges: [{ from: 'base/Dockerfile', to: 'app/Dockerfile', ref: 'r.example/base:1', kind: 'from' }],
  external: [{ ref: 'docker.io/library/debian:bookworm', dependents: ['base/Dockerfile'] }],
  errors: [],
};

async function source(now: string) {
  const facts = createImageProjection();
  const images = createImageSource({
    graph: {
      graph: async () => graph,
      plan: async () => ({ changed: [], waves: [], unaffected: 0 }),
    },
    facts,
    catalog: await loadCatalog(),
    now: () => new Date(now),
  });
  return { facts, images };
}

describe('image source', () => {
  it('passes a base end of life down to the images built on it', async () => {
    const { images } = await source('2026-11-22T00:00:00Z');
    const list = await images.images();
    assert.deepEqual(
      list.map((i) => [i.name, i.bases, i.eol?.status, i.eol?.reference]),
      [
        ['r.example/app', ['r.example/base:1'], 'eol', 'docker.io/library/debian:bookworm'],
        [
          'r.example/base',
          ['docker.io/library/debian:bookworm'],
          'eol',
          'docker.io/library/debian:bookworm',
        ],
      ],
    );
    const report = await images.deprecated();
    assert.deepEqual(
      report.images.map((r) => [r.name, r.status, r.eolDate]),
      [
        ['r.example/app', 'eol', '2026-06-10'],
        ['r.example/base', 'eol', '2026-06-10'],
      ],
    );
  });

  it('reports nothing before the end of life and null for what no event told', async () => {
    const { images } = await source('2024-01-01T00:00:00Z');
    const [app] = await images.images();
    assert.equal(app!.eol?.status, 'ok');
    assert.deepEqual(
      [app!.digest, app!.builtAt, app!.ageDays, app!.lastRebuild],
      [null, null, null, null],
    );
    assert.deepEqual((await images.deprecated()).images, []);
  });

  it('takes digest, age and last rebuild from the events', async () => {
    const { facts, images } = await source('2026-03-11T00:00:00Z');
    const digest = `sha256:${'b'.repeat(64)}`;
    facts.apply(
      createEvent(
        'restack.image.rebuilt',
        {
          image: 'r.example/app',
          tags: ['2'],
          digest,
          baseRef: 'r.example/base:1',
          baseDigest: `sha256:${'a'.repeat(64)}`,
          dockerfile: 'app/Dockerfile',
          campaignId: 'c9',
        },
        { occurredAt: new Date('2026-03-01T00:00:00Z') },
      ),
    );
    const [app] = await images.images();
    assert.deepEqual([app!.digest, app!.ageDays, app!.lastRebuild?.campaignId], [digest, 10, 'c9']);
  });
});
