import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent } from '@restack/events';
import { promoteSchema } from '@restack/promote';
import { destination } from './destination.js';

const request = createEvent('restack.build.requested', {
  campaignId: 'c-1',
  targetId: 'app',
  image: 'registry.example/team/app',
  tags: ['1.2'],
  repository: 'acme/app',
  revision: 'main',
  context: '.',
  dockerfile: 'Dockerfile',
  baseRef: 'debian:bookworm',
  baseDigest: `sha256:${'1'.repeat(64)}`,
  platforms: [],
}).data;
const commit = '0123456789abcdef0123456789abcdef01234567';

describe('where a build is pushed', () => {
  it('pushes the requested tags when the image has no promote config', () => {
    assert.deepEqual(destination(request, undefined, commit), {
      image: 'registry.example/team/app',
      tags: ['1.2'],
    });
  });

  it('pushes only the staging tag under the gate and names the production tags', () => {
    const to = destination(request, promoteSchema.parse({}), commit);
    assert.deepEqual(to, {
      image: 'registry.example/team/app',
      tags: ['sha-0123456789ab'],
      promotion: {
        image: 'registry.example/team/app',
        to: ['1.2'],
        targetId: 'app',
        repository: 'acme/app',
      },
    });
  });

  it('pushes to a staging repository when one is set', () => {
    const promote = promoteSchema.parse({
      stagingRepository: 'registry.example/staging/app',
      stagingTag: '{campaign}',
    });
    const to = destination(request, promote, commit);
    assert.equal(to.image, 'registry.example/staging/app');
    assert.deepEqual(to.tags, ['c-1']);
    assert.equal(to.promotion?.image, 'registry.example/team/app');
  });
});
