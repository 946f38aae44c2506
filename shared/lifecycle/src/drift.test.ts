import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseDrift } from './drift.js';
import {
  BASE_DIGEST_LABEL,
  BASE_NAME_LABEL,
  type BaseHistory,
  type BaseSighting,
  type ImageFacts,
} from './facts.js';

const now = new Date('2025-06-01T00:00:00Z');
const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

function image(labels: Record<string, string>, diffIds: string[] = []): ImageFacts {
  return {
    reference: 'registry.example.com/app:1',
    digest: d(9),
    created: '2025-01-01T00:00:00Z',
    labels,
    diffIds,
    user: '1000',
    exposedPorts: [],
    pushedAt: null,
    pushedNote: null,
    configNote: null,
  };
}

function history(kind: BaseHistory['kind'], tags: Record<string, BaseSighting[]>): BaseHistory {
  return {
    kind,
    history: async (ref) => tags[ref] ?? [],
    candidates: async () =>
      Object.entries(tags).flatMap(([ref, list]) => list.map((sighting) => ({ ref, sighting }))),
  };
}

const sighting = (
  digest: string,
  firstSeenAt: string | null,
  extra: Partial<BaseSighting> = {},
): BaseSighting => ({
  digest,
  firstSeenAt,
  created: null,
  diffIds: null,
  ...extra,
});

describe('base drift', () => {
  const labels = { [BASE_NAME_LABEL]: 'docker.io/library/debian:12', [BASE_DIGEST_LABEL]: d(1) };

  it('is the time since the tag first moved past the base the labels name', async () => {
    const bases = history('first-seen', {
      'docker.io/library/debian:12': [
        sighting(d(1), '2025-01-01T00:00:00Z'),
        sighting(d(2), '2025-05-02T00:00:00Z'),
        sighting(d(3), '2025-05-20T00:00:00Z'),
      ],
    });
    const drift = await baseDrift(image(labels), bases, now);
    assert.deepEqual(
      [
        drift.matchedBy,
        drift.baseDigest,
        drift.currentDigest,
        drift.movedAt,
        drift.driftDays,
        drift.clock,
      ],
      ['labels', d(1), d(3), '2025-05-02T00:00:00Z', 30, 'first-seen'],
    );
  });

  it('is 0 while the tag still points at the base (also by its platform manifest digest)', async () => {
    const bases = history('first-seen', {
      'docker.io/library/debian:12': [sighting(d(4), '2025-01-01T00:00:00Z', { aliases: [d(1)] })],
    });
    const drift = await baseDrift(image(labels), bases, now);
    assert.equal(drift.driftDays, 0);
  });

  it('matches a base by diff_ids when the image has no labels, longest prefix first', async () => {
    const bases = history('first-seen', {
      'docker.io/library/debian:12': [
        sighting(d(1), '2025-01-01T00:00:00Z', { diffIds: ['sha256:a'] }),
        sighting(d(2), '2025-05-25T00:00:00Z', { diffIds: ['sha256:x'] }),
      ],
      'registry.example.com/base:1': [
        sighting(d(5), '2025-03-01T00:00:00Z', { diffIds: ['sha256:a', 'sha256:b'] }),
      ],
    });
    const drift = await baseDrift(image({}, ['sha256:a', 'sha256:b', 'sha256:c']), bases, now);
    assert.deepEqual(
      [drift.base, drift.matchedBy, drift.driftDays],
      ['registry.example.com/base:1', 'diff-ids', 0],
    );
    const old = await baseDrift(image({}, ['sha256:a', 'sha256:z']), bases, now);
    assert.deepEqual(
      [old.base, old.driftDays, old.clock],
      ['docker.io/library/debian:12', 7, 'first-seen'],
    );
  });

  it('estimates from the current base created time in a one-shot run', async () => {
    const bases = history('registry-now', {
      'docker.io/library/debian:12': [sighting(d(3), null, { created: '2025-05-11T00:00:00Z' })],
    });
    const drift = await baseDrift(image(labels), bases, now);
    assert.deepEqual([drift.driftDays, drift.clock], [21, 'created']);
    assert.match(drift.note, /estimated/);
  });

  it('says why when the base cannot be found', async () => {
    const drift = await baseDrift(image({}, ['sha256:q']), history('first-seen', {}), now);
    assert.equal(drift.driftDays, null);
    assert.match(drift.note, /no .*labels/);
  });
});
