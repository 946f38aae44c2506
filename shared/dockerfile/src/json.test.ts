import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  extractDockerfile,
  extractDockerfileFile,
  extractJsonSchema,
  toExtractJson,
} from './index.js';

describe('toExtractJson', () => {
  it('prints the documented shape, in the documented order', () => {
    const text =
      'ARG TAG\nFROM alpine:3.19 AS base\nFROM base\nCOPY --from=busybox:$TAG / /\nFROM Bad\n';
    const json = toExtractJson(extractDockerfile(text, { file: 'app/Dockerfile' }));
    const alpine = {
      input: 'alpine:3.19',
      valid: true,
      name: 'docker.io/library/alpine',
      familiar: 'alpine',
      domain: 'docker.io',
      path: 'library/alpine',
      tag: '3.19',
      digest: null,
      effectiveTag: '3.19',
      error: null,
    };
    assert.equal(
      JSON.stringify(json),
      JSON.stringify({
        file: 'app/Dockerfile',
        references: [
          {
            line: 2,
            kind: 'from',
            stage: 0,
            stageName: 'base',
            platform: null,
            raw: 'alpine:3.19',
            ref: alpine,
            unresolved: false,
            reason: null,
          },
          {
            line: 4,
            kind: 'copy',
            stage: 1,
            stageName: null,
            platform: null,
            raw: 'busybox:$TAG',
            ref: null,
            unresolved: true,
            reason: 'TAG is not declared by an ARG (or ENV) in this stage',
          },
          {
            line: 5,
            kind: 'from',
            stage: 2,
            stageName: null,
            platform: null,
            raw: 'Bad',
            ref: {
              input: 'Bad',
              valid: false,
              name: null,
              familiar: null,
              domain: null,
              path: null,
              tag: null,
              digest: null,
              effectiveTag: null,
              error: 'invalid reference format: repository name (library/Bad) must be lowercase',
            },
            unresolved: false,
            reason: null,
          },
        ],
        stages: [
          { index: 0, name: 'base', base: 'alpine:3.19' },
          { index: 1, name: null, base: 'base' },
          { index: 2, name: null, base: 'Bad' },
        ],
        errors: [
          {
            line: 5,
            message:
              'invalid image reference "Bad" in FROM: invalid reference format: repository name (library/Bad) must be lowercase',
          },
        ],
      }),
    );
    assert.equal(extractJsonSchema.safeParse(json).success, true);
  });

  it('adds notes only when asked', () => {
    const x = extractDockerfile('FROM alpine\nONBUILD RUN make\n', { file: 'Dockerfile' });
    assert.equal('notes' in toExtractJson(x), false);
    const json = toExtractJson(x, { notes: true });
    assert.equal(json.notes?.length, 1);
    assert.equal(json.notes?.[0]?.line, 2);
  });
});

describe('extractDockerfileFile', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'restack-dockerfile-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file and reports the display path', async () => {
    const path = join(dir, 'Dockerfile');
    await writeFile(path, 'ARG V=3.19\nFROM alpine:$V\n');
    const x = await extractDockerfileFile(path, {
      displayPath: 'svc/Dockerfile',
      buildArgs: { V: '3.20' },
    });
    assert.equal(x.file, 'svc/Dockerfile');
    assert.equal(x.references[0]?.resolved, 'alpine:3.20');
    assert.deepEqual(x.errors, []);
  });

  it('turns read errors into entries in errors', async () => {
    const missing = await extractDockerfileFile(join(dir, 'nope'));
    assert.equal(missing.file, join(dir, 'nope'));
    assert.deepEqual(missing.errors, [
      { line: null, message: 'cannot read the file: no such file' },
    ]);
    const directory = await extractDockerfileFile(dir, { displayPath: 'd' });
    assert.deepEqual(directory.errors, [
      { line: null, message: 'cannot read the file: it is a directory' },
    ]);
    assert.deepEqual(directory.references, []);
  });
});
