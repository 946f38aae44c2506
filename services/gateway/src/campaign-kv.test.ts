import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  advance,
  createCampaign,
  emptyUsage,
  limitsSchema,
  onPromotionRefused,
  onStaged,
} from '@restack/campaign';
import { viewOfRecord } from './campaign-kv.js';

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const now = new Date('2026-01-05T10:00:00Z');
const step = <T>(c: T | undefined, fallback: T) => c ?? fallback;

describe('dashboard view of a campaign with a promotion gate', () => {
  it('shows the refused parent, its reason, and the child blocked on it', () => {
    let c = createCampaign(
      {
        campaignId: 'c1',
        trigger: { ref: 'debian:12', previousDigest: null, digest: D(1) },
        waves: [['base'], ['app']],
        targets: [
          {
            id: 'base',
            image: 'reg.example/base:1',
            repository: 'acme/base',
            dockerfile: 'Dockerfile',
            strategy: 'build',
            parents: [],
          },
          {
            id: 'app',
            image: 'reg.example/app:1',
            repository: 'acme/app',
            dockerfile: 'Dockerfile',
            strategy: 'build',
            parents: ['base'],
          },
        ],
      },
      { now, dryRun: false, actions: [] },
    );
    const limits = limitsSchema.parse({});
    c = step(advance(c, { now, limits, usage: emptyUsage() }), c);
    c = step(onStaged(c, 'base', { ref: 'reg.example/base:sha-1', digest: D(2) }, now), c);
    const staged = viewOfRecord(c).targets.find((t) => t.id === 'base');
    assert.deepEqual(staged?.promotion, {
      state: 'pending',
      staging: `reg.example/base:sha-1@${D(2)}`,
    });
    c = step(onPromotionRefused(c, 'base', 'production/nonRootUser: runs as root', now), c);
    c = step(advance(c, { now, limits, usage: emptyUsage() }), c);
    const view = viewOfRecord(c);
    const base = view.targets.find((t) => t.id === 'base');
    const app = view.targets.find((t) => t.id === 'app');
    assert.equal(base?.state, 'failed');
    assert.equal(base?.promotion?.state, 'refused');
    assert.equal(base?.failure, 'promotion refused: production/nonRootUser: runs as root');
    assert.equal(app?.state, 'blocked');
    assert.equal(
      app?.failure,
      'waiting on promotion of base: refused: production/nonRootUser: runs as root',
    );
  });
});
