import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isRestackError } from '@restack/core';
import { configJsonSchema, parseConfig } from './index.js';

function errorOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (isRestackError(e)) return e;
    throw e;
  }
  assert.fail('expected an error');
}

describe('parseConfig', () => {
  it('applies defaults and resolves the base folder', () => {
    const loaded = parseConfig(
      'sources:\n  - path: ./repos\nimages:\n  - name: r.example.com/a\n    dockerfile: a/Dockerfile\n',
      '/org/restack.yaml',
    );
    assert.equal(loaded.baseDir, '/org');
    assert.deepEqual(loaded.config.images[0]?.tags, ['latest']);
    assert.deepEqual(loaded.config.images[0]?.buildArgs, {});
  });

  it('names the field path and its line for a wrong type', () => {
    const e = errorOf(() =>
      parseConfig(
        'sources:\n  - path: ./repos\nimages:\n  - name: x\n    dockerfile: 5\n    tags: "1"\n',
        '/o/c.yaml',
      ),
    );
    assert.equal(e.code, 'config.invalid');
    assert.match(e.message, /line 6, images\.0\.tags: expected array/);
    assert.match(e.message, /line 5, images\.0\.dockerfile: expected string/);
    assert.equal(e.where, '/o/c.yaml:5');
    assert.ok(e.fix);
  });

  it('rejects an unknown key with its line, so typos do not pass silently', () => {
    const e = errorOf(() => parseConfig('sources: []\nimage:\n  - name: x\n', '/o/c.yaml'));
    assert.match(e.message, /unknown key "image"/);
    assert.match(e.message, /line 1/);
  });

  it('reports YAML syntax errors with line and column', () => {
    const e = errorOf(() => parseConfig('sources:\n  - path: [oops\n', '/o/c.yaml'));
    assert.equal(e.code, 'config.yaml');
    assert.match(e.where ?? '', /^\/o\/c\.yaml:\d+:\d+$/);
  });

  it('reads build args of any scalar type as strings', () => {
    const loaded = parseConfig(
      'images:\n  - name: a\n    dockerfile: D\n    buildArgs: { PY: 3.12, DEBUG: true }\n',
      '/o/c.yaml',
    );
    assert.deepEqual(loaded.config.images[0]?.buildArgs, { PY: '3.12', DEBUG: 'true' });
  });

  it('takes overrides from RESTACK_ variables with double-underscore paths', () => {
    const loaded = parseConfig('sources: []\n', '/o/c.yaml', {
      RESTACK_SOURCES: '[{path: ./x}]',
      RESTACK_LOG_LEVEL: 'x',
    });
    // Without a double underscore a variable is not config.
    assert.deepEqual(loaded.config.sources, []);
    const text = 'images:\n  - name: a\n    dockerfile: D\n    buildArgs: { PY: "3.11" }\n';
    const overridden = parseConfig(text, '/o/c.yaml', {
      RESTACK_IMAGES__0__BUILD_ARGS__PY: '3.12',
      RESTACK_IMAGES__0__DOCKERFILE: 'other/Dockerfile',
    });
    assert.equal(overridden.config.images[0]?.dockerfile, 'other/Dockerfile');
    assert.deepEqual(overridden.config.images[0]?.buildArgs, { PY: '3.12' });
    assert.deepEqual(overridden.envOverrides.sort(), [
      'RESTACK_IMAGES__0__BUILD_ARGS__PY',
      'RESTACK_IMAGES__0__DOCKERFILE',
    ]);
  });
});

describe('restack.schema.json', () => {
  it('is the schema generated from the zod config schema', () => {
    const committed = JSON.parse(
      readFileSync(fileURLToPath(new URL('../../../restack.schema.json', import.meta.url)), 'utf8'),
    );
    assert.deepEqual(
      committed,
      JSON.parse(JSON.stringify(configJsonSchema())),
      'run "npm run schema" and commit',
    );
  });
});
