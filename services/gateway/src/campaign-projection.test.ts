import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent } from '@restack/events';
import { createCampaignProjection } from './campaign-projection.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const target = (id: string, parents?: string[]) => ({
  id,
  image: `registry.example.com/${id}`,
  repository: 'acme/images',
  dockerfile: `${id}/Dockerfile`,
  strategy: 'build' as const,
  ...(parents ? { parents } : {}),
});

function planned() {
  return createEvent('restack.campaign.planned', {
    campaignId: 'c1',
    trigger: {
      ref: 'docker.io/library/debian:bookworm',
      previousDigest: null,
      digest: digest('a'),
    },
    waves: [['base'], ['app', 'tool'], ['leaf']],
    targets: [
      target('base'),
      target('app', ['base']),
      target('tool', ['base']),
      target('leaf', ['app']),
    ],
  });
}

describe('campaign projection', () => {
  it('follows a campaign wave by wave from its events', () => {
    const p = createCampaignProjection();
    p.apply(planned());
    let c = p.get('c1')!;
    assert.equal(c.state, 'running');
    assert.equal(c.currentWave, 0);
    assert.deepEqual(
      c.wavesDetail.map((w) => w.state),
      ['waiting', 'waiting', 'waiting'],
    );

    p.apply(
      createEvent('restack.build.requested', {
        campaignId: 'c1',
        targetId: 'base',
        image: 'registry.example.com/base',
        tags: ['1'],
        repository: 'acme/images',
        revision: 'main',
        context: 'base',
        dockerfile: 'base/Dockerfile',
        baseRef: 'debian:bookworm',
        baseDigest: digest('a'),
        platforms: [],
      }),
    );
    assert.equal(p.get('c1')!.targets.find((t) => t.id === 'base')!.state, 'building');
    p.apply(
      createEvent('restack.image.rebuilt', {
        image: 'registry.example.com/base',
        tags: ['1'],
        digest: digest('b'),
        baseRef: 'debian:bookworm',
        baseDigest: digest('a'),
        dockerfile: 'base/Dockerfile',
        campaignId: 'c1',
      }),
    );
    p.apply(
      createEvent('restack.pr.opened', {
        campaignId: 'c1',
        targetId: 'app',
        repository: 'acme/app',
        number: 7,
        url: 'https://github.example/acme/app/pull/7',
        branch: 'restack/base',
      }),
    );
    c = p.get('c1')!;
    assert.equal(c.currentWave, 1);
    assert.deepEqual(
      c.wavesDetail.map((w) => w.state),
      ['done', 'running', 'waiting'],
    );
    assert.deepEqual(c.targets.find((t) => t.id === 'app')!.pr, {
      number: 7,
      url: 'https://github.example/acme/app/pull/7',
      state: 'open',
    });
    assert.equal(p.list()[0]!.counts.done, 1);
  });

  it('blocks what is built on a failed target and settles the campaign as failed', () => {
    const p = createCampaignProjection();
    p.apply(planned());
    p.apply(
      createEvent('restack.image.rebuilt', {
        image: 'registry.example.com/base',
        tags: ['1'],
        digest: digest('b'),
        baseRef: 'debian:bookworm',
        baseDigest: digest('a'),
        dockerfile: 'base/Dockerfile',
        campaignId: 'c1',
      }),
    );
    const fail = (targetId: string, retryable: boolean) =>
      createEvent('restack.build.failed', {
        campaignId: 'c1',
        targetId,
        image: `registry.example.com/${targetId}`,
        failure: { message: 'RUN step failed', retryable },
      });
    p.apply(fail('app', true));
    assert.equal(
      p.get('c1')!.targets.find((t) => t.id === 'app')!.state,
      'pending',
      'a retryable failure is retried',
    );
    p.apply(fail('app', false));
    p.apply(
      createEvent('restack.image.rebuilt', {
        image: 'registry.example.com/tool',
        tags: ['1'],
        digest: digest('c'),
        baseRef: 'x',
        baseDigest: digest('b'),
        dockerfile: 'tool/Dockerfile',
        campaignId: 'c1',
      }),
    );
    const c = p.get('c1')!;
    const state = (id: string) => c.targets.find((t) => t.id === id)!.state;
    assert.deepEqual(
      [state('base'), state('app'), state('tool'), state('leaf')],
      ['rebuilt', 'failed', 'rebuilt', 'blocked'],
    );
    assert.equal(c.state, 'failed');
    assert.equal(c.targets.find((t) => t.id === 'app')!.failure, 'RUN step failed');
  });

  it('ignores events of campaigns it never saw planned', () => {
    const p = createCampaignProjection();
    p.apply(
      createEvent('restack.pr.opened', {
        campaignId: 'nope',
        targetId: 'app',
        repository: 'acme/app',
        number: 1,
        url: 'https://github.example/acme/app/pull/1',
        branch: 'b',
      }),
    );
    assert.deepEqual(p.list(), []);
    assert.equal(p.get('nope'), null);
  });

  it('keeps a staged build waiting and fails it when the promotion gate refuses', () => {
    const p = createCampaignProjection();
    p.apply(planned());
    const staged = {
      campaignId: 'c1',
      targetId: 'base',
      image: 'registry.example.com/base',
      tags: ['sha-0123456789ab'],
      digest: digest('b'),
      promotion: { image: 'registry.example.com/base', to: ['1'], targetId: 'base' },
    };
    p.apply(createEvent('restack.build.completed', staged));
    let base = p.get('c1')!.targets.find((t) => t.id === 'base')!;
    assert.notEqual(base.state, 'built', 'not done before the gate');
    assert.equal(base.promotion?.state, 'pending');
    p.apply(
      createEvent('restack.promotion.refused', {
        campaignId: 'c1',
        targetId: 'base',
        image: 'registry.example.com/base',
        digest: digest('b'),
        staging: 'registry.example.com/base:sha-0123456789ab',
        reason: 'refused by policy: production/nonRootUser: runs as root',
        verdicts: [],
      }),
    );
    const c = p.get('c1')!;
    base = c.targets.find((t) => t.id === 'base')!;
    assert.equal(base.state, 'failed');
    assert.equal(
      base.failure,
      'promotion refused: refused by policy: production/nonRootUser: runs as root',
    );
    assert.equal(base.promotion?.state, 'refused');
    assert.equal(c.targets.find((t) => t.id === 'app')!.state, 'blocked');
  });
});
