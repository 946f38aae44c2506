import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChallenges } from './challenge.js';

describe('parseChallenges', () => {
  it('reads the Bearer challenge of the token spec', () => {
    const header =
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"';
    assert.deepEqual(parseChallenges(header), [
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:samalba/my-app:pull,push',
        },
      },
    ]);
  });

  it('reads several challenges, unquoted values, escapes and the error parameter', () => {
    const header =
      'Basic realm="basic \\"quoted\\" realm", Bearer realm=https://t.example/token, error="insufficient_scope"';
    assert.deepEqual(parseChallenges(header), [
      { scheme: 'basic', params: { realm: 'basic "quoted" realm' } },
      {
        scheme: 'bearer',
        params: { realm: 'https://t.example/token', error: 'insufficient_scope' },
      },
    ]);
  });

  it('returns nothing for an empty or garbage header', () => {
    assert.deepEqual(parseChallenges(''), []);
    assert.deepEqual(parseChallenges('   ,,  '), []);
  });
});
