import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { policySchema } from '@restack/lifecycle';
import { productionTargets } from './copy.js';
import { gatePolicies } from './policies.js';
import { promoteSchema } from './schema.js';
import { stagingReference } from './staging.js';

describe('promoteSchema', () => {
  it('defaults the staging tag to sha-{revision}', () => {
    assert.deepEqual(promoteSchema.parse({}), { stagingTag: 'sha-{revision}' });
  });

  it('rejects an unknown placeholder and a tag the registry would refuse, saying why', () => {
    const unknown = promoteSchema.safeParse({ stagingTag: 'sha-{commit}' });
    assert.equal(unknown.success, false);
    assert.match(unknown.error!.issues[0]!.message, /unknown placeholder \{commit\}/);
    const bad = promoteSchema.safeParse({ stagingTag: '-{revision}' });
    assert.equal(bad.success, false);
    assert.match(bad.error!.issues[0]!.message, /letters, digits/);
    assert.equal(promoteSchema.safeParse({ stagingTg: 'x' }).success, false);
  });
});

describe('stagingReference', () => {
  const promote = promoteSchema.parse({});

  it('uses the 12-character revision in the image repository by default', () => {
    assert.equal(
      stagingReference(
        { name: 'registry.example.com/platform/python', promote },
        { revision: '0123456789abcdef0123', campaignId: 'c1' },
      ),
      'registry.example.com/platform/python:sha-0123456789ab',
    );
  });

  it('uses the staging repository and the campaign; without a revision, the campaign stands in', () => {
    const settings = promoteSchema.parse({
      stagingRepository: 'registry.example.com/staging/python',
      stagingTag: 'rc-{campaign}-{revision}',
    });
    assert.equal(
      stagingReference(
        { name: 'registry.example.com/platform/python', promote: settings },
        { revision: null, campaignId: 'camp:42' },
      ),
      'registry.example.com/staging/python:rc-camp-42-camp-42',
    );
  });
});

describe('productionTargets', () => {
  it('reads a bare tag as a tag of the repository and keeps full references', () => {
    const refs = productionTargets(['1.2', 'other.example/team/app:stable'], 'reg.example/app');
    assert.deepEqual(
      refs.map((r) => `${r.name}:${r.tag}`),
      ['reg.example/app:1.2', 'other.example/team/app:stable'],
    );
  });

  it('refuses no targets, digests and untagged references', () => {
    assert.throws(() => productionTargets([], 'reg.example/app'), /no production tag/);
    assert.throws(
      () => productionTargets([`reg.example/app@sha256:${'a'.repeat(64)}`], 'reg.example/app'),
      /names no tag/,
    );
    assert.throws(() => productionTargets(['reg.example/app'], 'x'), /names no tag/);
  });
});

describe('gatePolicies', () => {
  const a = policySchema.parse({ name: 'a', rules: { noLatest: { action: 'deny' } } });
  const b = policySchema.parse({ name: 'b', rules: { nonRootUser: { action: 'deny' } } });

  it('takes every policy by default and only the named ones when promote.policies is set', () => {
    assert.deepEqual(gatePolicies([a, b], undefined), [a, b]);
    assert.deepEqual(gatePolicies([a, b], ['b']), [b]);
  });

  it('names the unknown policy and the known ones', () => {
    assert.throws(() => gatePolicies([a, b], ['c']), /"c", which is not a policy/);
  });
});
