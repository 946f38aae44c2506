import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventData } from '@restack/events';
import { advance, emptyUsage, usageOf } from './advance.js';
import { createCampaign } from './create.js';
import { onImageDigest } from './machine.js';
import { onPromoted, onPromotionRefused, onStaged } from './promotion.js';
import { outboxEvents } from './request.js';
import { limitsSchema, type CampaignRecord } from './schema.js';

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const t0 = new Date('2026-01-05T10:00:00Z');
const limits = limitsSchema.parse({});

// debian:bookworm -> base (built, promoted) -> app (built) -> web (built)
const plan: EventData<'restack.campaign.planned'> = {
  campaignId: 'c1',
  trigger: { ref: 'debian:bookworm', previousDigest: D(1), digest: D(2) },
  waves: [['base'], ['app'], ['web']],
  targets: [
    {
      id: 'base',
      image: 'reg.example/platform/base:1',
      repository: 'acme/base',
      dockerfile: 'Dockerfile',
      strategy: 'build',
      parents: [],
    },
    {
      id: 'app',
      image: 'reg.example/team/app:1',
      repository: 'acme/app',
      dockerfile: 'Dockerfile',
      strategy: 'build',
      parents: ['base'],
    },
    {
      id: 'web',
      image: 'reg.example/team/web:1',
      repository: 'acme/web',
      dockerfile: 'Dockerfile',
      strategy: 'build',
      parents: ['app'],
    },
  ],
};

function step(c: CampaignRecord): CampaignRecord {
  return advance(c, { now: t0, limits, usage: emptyUsage() }) ?? c;
}

function staged(): CampaignRecord {
  const c = step(createCampaign(plan, { now: t0, dryRun: false, actions: [] }));
  assert.equal(c.targets.base!.state, 'requested');
  const s = onStaged(c, 'base', { ref: 'reg.example/platform/base:sha-abc', digest: D(3) }, t0);
  assert.ok(s);
  return step(s);
}

const requestedTargets = (c: CampaignRecord) =>
  outboxEvents(c).flatMap((e) => (e.type === 'restack.build.requested' ? [e.data.targetId] : []));

describe('promotion gate in a campaign', () => {
  it('does not count a staged build against concurrentBuilds: the builder is free', () => {
    const building = step(createCampaign(plan, { now: t0, dryRun: false, actions: [] }));
    assert.equal(usageOf([building]).builds, 1);
    assert.equal(usageOf([staged()]).builds, 0);
    const one = limitsSchema.parse({ concurrentBuilds: 1 });
    const other = createCampaign(
      { ...plan, campaignId: 'c2', trigger: { ...plan.trigger, ref: 'alpine:3' } },
      { now: t0, dryRun: false, actions: [] },
    );
    const beside = (c: CampaignRecord) =>
      advance(other, { now: t0, limits: one, usage: usageOf([c]) }) ?? other;
    assert.equal(beside(building).targets.base!.reason, 'limit: 1 concurrent builds');
    assert.equal(beside(staged()).targets.base!.state, 'requested');
  });

  it('keeps a staged parent requested and its child waiting on the promotion', () => {
    const c = staged();
    assert.equal(c.targets.base!.state, 'requested');
    assert.equal(c.targets.base!.effect.promotion, 'pending');
    assert.equal(c.targets.app!.state, 'pending');
    assert.equal(c.targets.app!.reason, 'waiting on promotion of base');
    assert.deepEqual(requestedTargets(c), ['base'], 'the child is not requested');
  });

  it('requests the child on the production digest once the parent is promoted', () => {
    const promoted = onPromoted(
      staged(),
      'base',
      { ref: 'reg.example/platform/base:1', digest: D(3) },
      t0,
    );
    assert.ok(promoted);
    const c = step(promoted);
    assert.equal(c.targets.base!.state, 'done');
    assert.equal(c.targets.app!.state, 'requested');
    const request = outboxEvents(c).find((e) => e.type === 'restack.build.requested');
    assert.ok(request?.type === 'restack.build.requested');
    assert.equal(request.data.targetId, 'app');
    assert.deepEqual(request.data.pins?.[0], { ref: 'reg.example/platform/base:1', digest: D(3) });
  });

  it('fails a refused parent for good and blocks every descendant, naming it', () => {
    const refused = onPromotionRefused(staged(), 'base', 'default/nonRootUser: runs as root', t0);
    assert.ok(refused);
    const c = step(refused);
    assert.equal(c.targets.base!.state, 'failed');
    assert.equal(c.targets.base!.reason, 'promotion refused: default/nonRootUser: runs as root');
    assert.equal(c.targets.app!.state, 'blocked');
    assert.equal(
      c.targets.app!.reason,
      'waiting on promotion of base: refused: default/nonRootUser: runs as root',
    );
    assert.equal(c.targets.web!.state, 'blocked');
    assert.match(
      c.targets.web!.reason ?? '',
      /^ancestor app is blocked: waiting on promotion of base/,
    );
    assert.equal(c.state, 'finished');
    assert.deepEqual(requestedTargets(c), []);
  });

  it('ignores a late build.completed or promotion once the target is decided', () => {
    const refused = step(onPromotionRefused(staged(), 'base', 'no', t0)!);
    assert.equal(onStaged(refused, 'base', { ref: 'x:1', digest: D(4) }, t0), undefined);
    assert.equal(onPromoted(refused, 'base', { ref: 'x:1', digest: D(4) }, t0), undefined);
    const again = onStaged(staged(), 'base', { ref: 'x:1', digest: D(3) }, t0);
    assert.equal(again, undefined, 'a redelivered build.completed changes nothing');
  });

  it('leaves targets without promotion as they were: a digest finishes them', () => {
    const c = step(createCampaign(plan, { now: t0, dryRun: false, actions: [] }));
    const done = onImageDigest(
      c,
      (t) => t.id === 'base',
      { ref: 'reg.example/platform/base:1', digest: D(3) },
      t0,
    );
    assert.equal(done?.targets.base!.state, 'done');
    assert.equal(done?.targets.base!.effect.promotion, undefined);
  });
});
