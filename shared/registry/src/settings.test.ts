import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registriesSchema } from './schema.js';
import { DEFAULT_SETTINGS, DOCKER_HUB_SETTINGS, endpointFor, settingsFor } from './settings.js';

describe('registriesSchema', () => {
  it('accepts the restack.yaml shape', () => {
    const parsed = registriesSchema.parse({
      'localhost:5000': {
        insecure: true,
        concurrency: 4,
        requestsPerSecond: 50,
        timeoutMs: 2000,
        retries: 1,
      },
      'ghcr.io': {},
      '[::1]:5000': { insecure: true },
    });
    assert.equal(parsed['localhost:5000']?.concurrency, 4);
  });
  it('rejects URLs as keys, unknown fields and impossible numbers', () => {
    assert.equal(registriesSchema.safeParse({ 'https://ghcr.io': {} }).success, false);
    assert.equal(registriesSchema.safeParse({ 'ghcr.io': { insecur: true } }).success, false);
    assert.equal(registriesSchema.safeParse({ 'ghcr.io': { concurrency: 0 } }).success, false);
    assert.equal(registriesSchema.safeParse({ 'ghcr.io': { retries: 1.5 } }).success, false);
  });
});

describe('settingsFor and endpointFor', () => {
  it('gives Docker Hub its conservative defaults under any of its names', () => {
    assert.deepEqual(settingsFor('docker.io'), DOCKER_HUB_SETTINGS);
    assert.deepEqual(settingsFor('index.docker.io', { 'docker.io': { retries: 1 } }), {
      ...DOCKER_HUB_SETTINGS,
      retries: 1,
    });
    assert.ok(DOCKER_HUB_SETTINGS.requestsPerSecond < DEFAULT_SETTINGS.requestsPerSecond);
  });
  it('fetches docker.io from registry-1.docker.io with Hub credentials under index.docker.io/v1/', () => {
    const e = endpointFor('docker.io', settingsFor('docker.io'));
    assert.equal(e.baseUrl, 'https://registry-1.docker.io');
    assert.equal(e.credentialKey, 'https://index.docker.io/v1/');
  });
  it('uses https unless the registry is configured insecure', () => {
    assert.equal(
      endpointFor('localhost:5000', settingsFor('localhost:5000')).baseUrl,
      'https://localhost:5000',
    );
    const insecure = settingsFor('Localhost:5000', { 'localhost:5000': { insecure: true } });
    assert.equal(endpointFor('localhost:5000', insecure).baseUrl, 'http://localhost:5000');
  });
});
