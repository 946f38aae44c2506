import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractDockerfile, type SourceRange } from './index.js';

// The ranges exist so that a digest bump can rewrite the file in place.

const DIGEST = `sha256:${'c'.repeat(64)}`;

function replace(text: string, range: SourceRange, value: string): string {
  return text.slice(0, range.start) + value + text.slice(range.end);
}

describe('source ranges', () => {
  it('cover exactly the raw text of every kind of reference', () => {
    const text =
      '\uFEFFFROM --platform=linux/amd64 alpine:3.19 AS a\r\n' +
      'COPY --chown=0 --from="busybox:1.36" / /\r\n' +
      'RUN --mount="type=bind,\\"from=nginx:1\\",target=/n" --mount=type=cache,from=node:20,target=/c true\r\n';
    const x = extractDockerfile(text, { file: 'Dockerfile' });
    assert.deepEqual(
      x.references.map((r) => [r.raw, text.slice(r.range.start, r.range.end)]),
      [
        ['alpine:3.19', 'alpine:3.19'],
        ['busybox:1.36', 'busybox:1.36'],
        ['nginx:1', 'nginx:1'],
        ['node:20', 'node:20'],
      ],
    );
  });

  it('span the line continuation when the image text is split over lines', () => {
    const text = 'FROM alp\\\nine:3\n';
    const [ref] = extractDockerfile(text, { file: 'Dockerfile' }).references;
    assert.equal(ref?.raw, 'alpine:3');
    assert.equal(text.slice(ref?.range.start, ref?.range.end), 'alp\\\nine:3');
    assert.equal(ref?.line, 1);
  });

  it('let a digest be pinned in place on the FROM line', () => {
    const text = 'FROM golang:1.22 AS build\nFROM alpine:3.19\nCOPY --from=build /a /a\n';
    const x = extractDockerfile(text, { file: 'Dockerfile' });
    const alpine = x.references.find((r) => r.ref?.familiar === 'alpine');
    assert.ok(alpine?.resolved);
    const pinned = replace(text, alpine.range, `${alpine.resolved}@${DIGEST}`);
    const y = extractDockerfile(pinned, { file: 'Dockerfile' });
    assert.equal(y.references[1]?.ref?.digest, DIGEST);
    assert.equal(y.references[1]?.ref?.tag, '3.19');
    assert.deepEqual(
      y.stages.map((s) => s.base),
      ['golang:1.22', `alpine:3.19@${DIGEST}`],
    );
  });

  it('point at the ARG default a reference came from', () => {
    const text =
      'ARG BASE="python:3.12-slim"\nARG TOOLS=ghcr.io/astral-sh/uv:0.4\nFROM ${BASE}\nARG TOOLS\nCOPY --from=$TOOLS /uv /bin/\n';
    const x = extractDockerfile(text, { file: 'Dockerfile' });
    const [base, tools] = x.references;
    assert.deepEqual(
      base?.args.map((a) => [a.name, a.line, text.slice(a.range.start, a.range.end)]),
      [['BASE', 1, '"python:3.12-slim"']],
    );
    assert.deepEqual(
      tools?.args.map((a) => [a.name, a.line, text.slice(a.range.start, a.range.end)]),
      [['TOOLS', 2, 'ghcr.io/astral-sh/uv:0.4']],
    );
    const arg = base?.args[0];
    assert.ok(arg && base?.resolved);
    const pinned = replace(text, arg.range, `"${base.resolved}@${DIGEST}"`);
    assert.equal(
      extractDockerfile(pinned, { file: 'Dockerfile' }).references[0]?.ref?.digest,
      DIGEST,
    );
  });

  it('name the ARG on a continued line and say when a build arg replaced it', () => {
    const text = 'ARG A=x \\\n    IMG=alpine:3\nFROM $IMG\n';
    const x = extractDockerfile(text, { file: 'Dockerfile' });
    assert.deepEqual(
      x.references[0]?.args.map((a) => [a.name, a.line]),
      [['IMG', 2]],
    );
    const y = extractDockerfile(text, { file: 'Dockerfile', buildArgs: { IMG: 'alpine:edge' } });
    assert.equal(y.references[0]?.resolved, 'alpine:edge');
    assert.deepEqual(y.references[0]?.args, []);
  });
});
