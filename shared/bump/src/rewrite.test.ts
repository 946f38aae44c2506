import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseReference, type ImageReference } from '@restack/reference';
import { bumpDockerfile } from './index.js';

const OLD = `sha256:${'a'.repeat(64)}`;
const NEW = `sha256:${'b'.repeat(64)}`;

function ref(text: string): ImageReference {
  const r = parseReference(text);
  if (!r.ok) throw new Error(r.error);
  return r.ref;
}

function bump(text: string, pin = false, changed = 'debian:bookworm') {
  return bumpDockerfile(text, 'Dockerfile', { changed: ref(changed), digest: NEW, pin });
}

describe('bumpDockerfile', () => {
  it('changes only the digest, keeping the tag', () => {
    const r = bump(`FROM debian:bookworm@${OLD}\nRUN true\n`);
    assert.equal(r.text, `FROM debian:bookworm@${NEW}\nRUN true\n`);
    assert.equal(r.edits.length, 1);
    assert.equal(r.edits[0]?.line, 1);
  });

  it('leaves other tags, other images and references without a digest alone', () => {
    const text = `FROM debian:bookworm-slim@${OLD} AS a\nFROM debian:bookworm AS b\nFROM alpine:3.20@${OLD}\n`;
    assert.equal(bump(text).text, text);
  });

  it('keeps CRLF line endings, comments, and a backtick escape with continuations', () => {
    const text = `# escape=\`\r\n# base image, pinned\r\nFROM \`\r\n  debian:bookworm@${OLD} \`\r\n  AS build\r\nRUN echo \`\r\n  done\r\n`;
    const r = bump(text);
    assert.equal(r.text, text.replace(OLD, NEW));
  });

  it('rewrites every stage and COPY --from that uses the reference', () => {
    const text = [
      `FROM debian:bookworm@${OLD} AS one`,
      'FROM alpine:3.20',
      `COPY --from=docker.io/library/debian:bookworm@${OLD} /etc/os-release /x`,
      `RUN --mount=type=bind,from=debian:bookworm@${OLD},target=/d true`,
      '',
    ].join('\n');
    const r = bump(text);
    assert.equal(r.text, text.replaceAll(OLD, NEW));
    assert.equal(r.edits.length, 3);
  });

  it('changes a digest that comes from an ARG default in that default', () => {
    const text = `ARG BASE="debian:bookworm@${OLD}"\nFROM \${BASE}\nARG OTHER=1\n`;
    assert.equal(bump(text).text, text.replace(OLD, NEW));
  });

  it('adds the digest with --pin, in the ARG default when the image comes from one', () => {
    assert.equal(bump('FROM debian:bookworm\n', true).text, `FROM debian:bookworm@${NEW}\n`);
    assert.equal(
      bump('ARG BASE=debian:bookworm\nFROM $BASE\n', true).text,
      `ARG BASE=debian:bookworm@${NEW}\nFROM $BASE\n`,
    );
    assert.equal(
      bump("ARG BASE='debian:bookworm'\nFROM ${BASE} AS x\n", true).text,
      `ARG BASE='debian:bookworm@${NEW}'\nFROM \${BASE} AS x\n`,
    );
    assert.equal(
      bump('ARG V=bookworm\nFROM debian:${V}\n', true).text,
      `ARG V=bookworm\nFROM debian:\${V}@${NEW}\n`,
    );
  });

  it('adds nothing without --pin', () => {
    assert.equal(bump('FROM debian:bookworm\n').text, 'FROM debian:bookworm\n');
  });

  it('treats an untagged FROM as latest', () => {
    const r = bump(`FROM debian@${OLD}\nFROM debian:latest@${OLD}\n`, false, 'debian:latest');
    assert.equal(r.text, `FROM debian@${OLD}\nFROM debian:latest@${NEW}\n`);
  });

  it('does nothing when the digest is already current', () => {
    const r = bump(`FROM debian:bookworm@${NEW}\n`);
    assert.equal(r.edits.length, 0);
  });
});
