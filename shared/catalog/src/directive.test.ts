import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDirectives } from './index.js';

const file = '/repo/base/Dockerfile';

describe('parseDirectives', () => {
  it('reads several lines and comma-separated lists; no tag means latest', () => {
    const text = [
      '# syntax=docker/dockerfile:1',
      '# restack: image=registry.example.com/platform/base:1,registry.example.com/platform/base:1.2',
      '#restack:image=registry.example.com/platform/base',
      'FROM debian:bookworm',
      '  # RESTACK: image=python:3.12',
    ].join('\r\n');
    const { claims, problems } = parseDirectives(text, file);
    assert.deepEqual(problems, []);
    assert.deepEqual(claims, [
      {
        dockerfile: file,
        name: 'registry.example.com/platform/base',
        tags: ['1', '1.2', 'latest'],
        buildArgs: {},
        target: null,
        source: 'directive',
        file,
        line: 2,
      },
      {
        dockerfile: file,
        name: 'docker.io/library/python',
        tags: ['3.12'],
        buildArgs: {},
        target: null,
        source: 'directive',
        file,
        line: 5,
      },
    ]);
  });

  it('reports what it cannot read, with the line and the form to use', () => {
    const text = [
      '# restack:',
      '# restack: image=Acme/App',
      '# restack: image=acme/app@sha256:' + 'a'.repeat(64),
      '# restack: tag=1',
      '# restack: image=acme/app:1,',
      '# restack: image=acme/app:2',
    ].join('\n');
    const { claims, problems } = parseDirectives(text, file);
    assert.deepEqual(
      claims.map((c) => [c.name, c.tags, c.line]),
      [['docker.io/acme/app', ['1', '2'], 5]],
    );
    assert.deepEqual(
      problems.map((p) => [p.code, p.line]),
      [
        ['catalog.directive', 1],
        ['catalog.directive', 2],
        ['catalog.directive', 3],
        ['catalog.directive', 4],
        ['catalog.directive', 5],
      ],
    );
    assert.match(problems[2]?.message ?? '', /digest/);
    assert.equal(problems[3]?.fix, 'write it as # restack: image=NAME[:TAG][,NAME[:TAG]...]');
  });

  it('ignores Dockerfiles and lines without a directive', () => {
    assert.deepEqual(parseDirectives('FROM alpine\nRUN echo "# restack: image=x"\n', file), {
      claims: [],
      problems: [],
    });
  });
});
