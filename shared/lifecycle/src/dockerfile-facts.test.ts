import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dockerfileFacts, isRootUser, parseExposedPorts } from './dockerfile-facts.js';

describe('Dockerfile facts', () => {
  it('reads bases with lines, the built stage USER through its stage chain, and EXPOSE', () => {
    const text = [
      'ARG PY=3.8', // 1
      'FROM golang:1.22 AS build', // 2
      'USER root', // 3
      'EXPOSE 22', // 4: another stage, not in the final image
      'FROM python:${PY}-slim AS base', // 5
      'USER app:app', // 6
      'EXPOSE 8000-8010/tcp \\', // 7
      '  9090/udp', // 8
      'FROM base', // 9
      'COPY --from=build /x /x', // 10
    ].join('\n');
    const f = dockerfileFacts(text, 'Dockerfile');
    assert.deepEqual(
      f.bases.map((b) => [b.line, b.ref]),
      [
        [2, 'docker.io/library/golang:1.22'],
        [5, 'docker.io/library/python:3.8-slim'],
      ],
    );
    assert.deepEqual(f.user, { value: 'app:app', line: 6 });
    assert.deepEqual(
      f.exposed.map((e) => [e.line, e.from, e.to, e.protocol]),
      [
        [7, 8000, 8010, 'tcp'],
        [7, 9090, 9090, 'udp'],
      ],
    );
  });

  it('has no user when no stage of the chain sets one, and notes what it cannot resolve', () => {
    const f = dockerfileFacts('FROM debian:12\nEXPOSE $PORT\n', 'Dockerfile');
    assert.equal(f.user, null);
    assert.deepEqual(f.exposed, []);
    assert.match(f.notes.join(), /EXPOSE \$PORT cannot be read statically/);
  });

  it('uses the target stage', () => {
    const f = dockerfileFacts('FROM a:1 AS one\nUSER 0\nFROM b:1 AS two\nUSER nobody\n', 'D', {
      target: 'one',
    });
    assert.deepEqual(f.user, { value: '0', line: 2 });
  });

  it('knows root when it sees it', () => {
    for (const u of ['', 'root', '0', '0:0', 'root:wheel', '000']) assert.ok(isRootUser(u), u);
    for (const u of ['1000', 'app', 'nobody:0', '10001:10001']) assert.ok(!isRootUser(u), u);
    assert.deepEqual(parseExposedPorts(['22/tcp', '53/udp']), [
      { from: 22, to: 22, protocol: 'tcp' },
      { from: 53, to: 53, protocol: 'udp' },
    ]);
  });
});
