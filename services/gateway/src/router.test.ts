import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchMount, matchTemplate, reservedPath, type MountedRoute } from './router.js';

describe('matchTemplate', () => {
  it('matches literal segments and decodes parameters', () => {
    assert.deepEqual(matchTemplate('/api/graph', '/api/graph'), {});
    assert.deepEqual(matchTemplate('/api/campaigns/{id}', '/api/campaigns/c%2F1'), { id: 'c/1' });
    assert.equal(matchTemplate('/api/campaigns/{id}', '/api/campaigns/'), null);
    assert.equal(matchTemplate('/api/campaigns/{id}', '/api/campaigns/a/b'), null);
    assert.equal(matchTemplate('/api/campaigns/{id}', '/api/campaigns/%E0%A4%A'), null);
  });
});

describe('mounts', () => {
  const mount = (path: string): MountedRoute => ({
    method: 'POST',
    path,
    name: 't',
    handle: () => undefined,
  });
  it('matches exact paths and /* prefixes', () => {
    assert.ok(matchMount(mount('/hooks/registry'), '/hooks/registry'));
    assert.ok(!matchMount(mount('/hooks/registry'), '/hooks/registry/x'));
    assert.ok(matchMount(mount('/hooks/github/*'), '/hooks/github/push'));
    assert.ok(matchMount(mount('/hooks/github/*'), '/hooks/github'));
    assert.ok(!matchMount(mount('/hooks/github/*'), '/hooks/githubx'));
  });
  it('keeps the gateway paths for the gateway', () => {
    for (const p of [
      '/',
      '/api/x',
      '/metrics',
      '/livez',
      '/readyz',
      '/assets/a.js',
      '/openapi.yaml',
    ]) {
      assert.ok(reservedPath(p), p);
    }
    assert.ok(!reservedPath('/hooks/registry'));
  });
});
