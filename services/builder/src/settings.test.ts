import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogSettings } from './settings.js';
import { singleFlight } from './single-flight.js';

describe('build settings from the catalog', () => {
  const settings = catalogSettings([
    { name: 'python', tags: ['3.12'], buildArgs: { PY: '3.12' }, target: 'runtime' },
    {
      name: 'docker.io/library/python',
      tags: ['3.13'],
      buildArgs: { PY: '3.13' },
      platform: 'linux/arm64',
    },
  ]);

  it('finds the entry by repository and a tag in common', () => {
    assert.deepEqual(settings('docker.io/library/python', ['3.13']), {
      buildArgs: { PY: '3.13' },
      platform: 'linux/arm64',
    });
    assert.deepEqual(settings('python', ['3.12']), {
      buildArgs: { PY: '3.12' },
      target: 'runtime',
    });
  });

  it('builds an image the catalog does not list without build arguments', () => {
    assert.deepEqual(settings('registry.example/other', ['1']), { buildArgs: {} });
  });
});

describe('single flight', () => {
  it('gives a second caller for the same key the running call', async () => {
    const once = singleFlight<number>();
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a = once('k', async () => {
      calls++;
      await gate;
      return 7;
    });
    const b = once('k', async () => ++calls);
    release();
    assert.deepEqual(await Promise.all([a, b]), [7, 7]);
    assert.equal(calls, 1);
    assert.equal(await once('k', async () => ++calls), 2, 'a later call runs again');
  });
});
