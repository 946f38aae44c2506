import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { isRestackError } from '@restack/core';
import { defaultLifecycleConfig, lifecycleConfigSchema, parseLifecycleConfig } from './index.js';

function errorOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (isRestackError(e)) return e;
    throw e;
  }
  assert.fail('expected an error');
}

describe('lifecycle config', () => {
  it('defaults to a 90-day lookahead, no rules, no mirrors and no dashboard issues', () => {
    assert.deepEqual(defaultLifecycleConfig(), {
      eolLookaheadDays: 90,
      deprecations: [],
      mirrors: {},
      dashboardIssues: { enabled: false, labels: ['restack'] },
    });
    assert.deepEqual(parseLifecycleConfig(undefined), defaultLifecycleConfig());
  });

  it('accepts the documented example', () => {
    const config = parseLifecycleConfig({
      eolLookaheadDays: 30,
      deprecations: [
        {
          match: 'registry.example.com/platform/python:3.8*',
          replacement: 'registry.example.com/platform/python:3.12',
          reason: 'Python 3.8 is end of life',
        },
      ],
      mirrors: {
        'mirror.example.com': 'docker.io',
        'registry.example.com/hub': 'docker.io/library',
      },
    });
    assert.equal(config.eolLookaheadDays, 30);
    assert.equal(config.deprecations[0]?.replacement, 'registry.example.com/platform/python:3.12');
  });

  it('names each wrong field by its path', () => {
    const e = errorOf(() =>
      parseLifecycleConfig({
        eolLookaheadDays: -1,
        deprecations: [{ replacement: 'x' }],
        mirrors: { 'https://mirror.example.com/': 'docker.io' },
        extra: true,
      }),
    );
    assert.equal(e.code, 'eol.config-invalid');
    assert.match(e.message, /lifecycle\.eolLookaheadDays:/);
    assert.match(e.message, /lifecycle\.deprecations\.0\.match:/);
    assert.match(
      e.message,
      /lifecycle\.mirrors\.https:\/\/mirror\.example\.com\/: invalid key: expected host\[:port\]\[\/path\]/,
    );
    assert.match(e.message, /extra/);
    assert.ok(e.fix);
  });

  it('converts to JSON Schema for restack.schema.json', () => {
    const schema = z.toJSONSchema(lifecycleConfigSchema, { io: 'input' }) as {
      properties: Record<string, { default?: unknown; description?: string }>;
    };
    assert.equal(schema.properties.eolLookaheadDays?.default, 90);
    assert.match(schema.properties.deprecations?.description ?? '', /Organisation/);
  });
});
