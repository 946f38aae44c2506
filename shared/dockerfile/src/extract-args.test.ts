import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { runCase as run, type Case } from './case-table.js';

describe('ARG substitution', () => {
  const cases: Case[] = [
    {
      name: 'global ARG defaults, chained, with defaults for missing values',
      text: 'ARG REGISTRY=ghcr.io\nARG IMAGE=${REGISTRY}/org/app\nARG TAG\nFROM $IMAGE:${TAG:-latest}\n',
      refs: ['4 from 0 $IMAGE:${TAG:-latest} => ghcr.io/org/app:latest'],
      check: (x) =>
        assert.deepEqual(
          x.references[0]?.args.map((a) => `${a.name}@${a.line}`),
          ['IMAGE@2', 'REGISTRY@1'],
        ),
    },
    {
      name: 'an ARG without a value is unresolved, with the reason',
      text: 'ARG TAG\nFROM alpine:$TAG\n',
      refs: ['2 from 0 alpine:$TAG => ?'],
      stages: ['0 - unresolved alpine:$TAG'],
      check: (x) => {
        assert.equal(x.references[0]?.unresolved, true);
        assert.equal(x.references[0]?.ref, null);
        assert.match(x.references[0]?.reason ?? '', /ARG TAG \(line 1\) has no default value/);
      },
    },
    {
      name: 'build args replace defaults of declared ARGs only',
      text: 'ARG TAG=3.19\nFROM alpine:$TAG\nFROM busybox:$OTHER\n',
      buildArgs: { TAG: '3.20', OTHER: '1.36' },
      refs: ['2 from 0 alpine:$TAG => alpine:3.20', '3 from 1 busybox:$OTHER => ?'],
      check: (x) => {
        assert.deepEqual(x.references[0]?.args, []);
        assert.match(
          x.references[1]?.reason ?? '',
          /OTHER is not declared by an ARG before the first FROM/,
        );
      },
    },
    {
      name: 'a build arg gives an ARG without default its value',
      text: 'ARG TAG\nFROM alpine:${TAG}\n',
      buildArgs: { TAG: 'edge' },
      refs: ['2 from 0 alpine:${TAG} => alpine:edge'],
    },
    {
      name: 'automatic platform ARGs have no static value unless given',
      text: 'FROM alpine-${TARGETARCH}\nFROM busybox${TARGETARCH:+-multi}\n',
      refs: [
        '1 from 0 alpine-${TARGETARCH} => ?',
        '2 from 1 busybox${TARGETARCH:+-multi} => busybox-multi',
      ],
      check: (x) => assert.match(x.references[0]?.reason ?? '', /TARGETARCH is set by BuildKit/),
    },
    {
      name: 'an automatic ARG given as a build arg',
      text: 'FROM alpine-${TARGETARCH}\n',
      buildArgs: { TARGETARCH: 'arm64' },
      refs: ['1 from 0 alpine-${TARGETARCH} => alpine-arm64'],
    },
    {
      name: 'FROM does not see ARGs declared inside a stage',
      text: 'FROM alpine\nARG V=1\nFROM busybox:$V\n',
      refs: ['1 from 0 alpine => alpine', '3 from 1 busybox:$V => ?'],
    },
    {
      name: 'an unsupported substitution is unresolved, never guessed',
      text: 'ARG V=1.22.3\nFROM golang:${V%.*}\n',
      refs: ['2 from 0 golang:${V%.*} => ?'],
      check: (x) => assert.match(x.references[0]?.reason ?? '', /unsupported substitution/),
    },
    {
      name: 'escaped dollar is literal (and then an invalid name)',
      text: 'FROM \\$IMG\n',
      refs: ['1 from 0 \\$IMG => $IMG'],
      errors: [[1, /invalid image reference "\$IMG" \(from \\\$IMG\)/]],
    },
    {
      name: 'a FROM variable can name an earlier stage',
      text: 'ARG BASE=builder\nFROM alpine AS builder\nFROM ${BASE}\n',
      refs: ['2 from 0 alpine => alpine'],
      stages: ['0 builder image alpine', '1 - stage builder'],
    },
  ];
  cases.forEach(run);
});

describe('ARG and ENV inside stages (COPY --from / mount from)', () => {
  const note = /BuildKit does not expand variables/;
  const cases: Case[] = [
    {
      name: 'ARG without default re-imports the global value; ARG with default sets one',
      text:
        'ARG TOOLS=busybox:1.36\nARG OTHER=nginx\nFROM alpine\nARG TOOLS\nARG LOCAL=node:20\n' +
        'COPY --from=$TOOLS / /\nRUN --mount=from=${LOCAL},target=/n true\nCOPY --from=$OTHER / /\n',
      refs: [
        '3 from 0 alpine => alpine',
        '6 copy 0 $TOOLS => busybox:1.36',
        '7 mount 0 ${LOCAL} => node:20',
        '8 copy 0 $OTHER => ?',
      ],
      notes: [
        [6, note],
        [7, note],
        [8, note],
      ],
      check: (x) => {
        assert.deepEqual(
          x.references[1]?.args.map((a) => [a.name, a.line, a.global]),
          [['TOOLS', 1, true]],
        );
        assert.deepEqual(
          x.references[2]?.args.map((a) => [a.name, a.line, a.global]),
          [['LOCAL', 5, false]],
        );
        assert.match(
          x.references[3]?.reason ?? '',
          /OTHER is not declared by an ARG \(or ENV\) in this stage/,
        );
      },
    },
    {
      name: 'build args override stage ARGs too',
      text: 'FROM alpine\nARG TOOLS=busybox\nCOPY --from=$TOOLS / /\n',
      buildArgs: { TOOLS: 'busybox:musl' },
      refs: ['1 from 0 alpine => alpine', '3 copy 0 $TOOLS => busybox:musl'],
    },
    {
      name: 'ENV wins over an ARG of the same name',
      text: 'ARG IMG=node:20\nFROM alpine\nARG IMG\nENV SRC=$IMG OTHER=x\nENV IMG nginx:1\nARG IMG=ignored\nCOPY --from=$SRC / /\nCOPY --from=$IMG / /\n',
      refs: ['2 from 0 alpine => alpine', '7 copy 0 $SRC => node:20', '8 copy 0 $IMG => nginx:1'],
    },
    {
      name: 'a stage built FROM another stage keeps its ARG and ENV values',
      text: 'FROM alpine AS a\nARG V=1.2\nENV IMG=nginx\nFROM a\nCOPY --from=$IMG:$V / /\n',
      refs: ['1 from 0 alpine => alpine', '5 copy 1 $IMG:$V => nginx:1.2'],
    },
    {
      name: 'stage ARGs do not leak into the next stage built from an image',
      text: 'FROM alpine\nARG V=nginx\nFROM busybox\nCOPY --from=$V / /\n',
      refs: ['1 from 0 alpine => alpine', '3 from 1 busybox => busybox', '4 copy 1 $V => ?'],
    },
  ];
  cases.forEach(run);
});

describe('what the parser must not be confused by', () => {
  const cases: Case[] = [
    {
      name: 'heredoc bodies are not instructions',
      text: 'FROM alpine\nRUN <<EOF\nFROM evil\nCOPY --from=evil / /\nEOF\nCOPY <<EOT /etc/x\nFROM evil2\nEOT\nFROM busybox\n',
      refs: ['1 from 0 alpine => alpine', '9 from 1 busybox => busybox'],
    },
    {
      name: 'escape=` with Windows paths and backtick continuations',
      text:
        '# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022 AS build\n' +
        'RUN dir `\n    c:\\\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nCOPY --from=build C:\\app C:\\app\n',
      refs: [
        '2 from 0 mcr.microsoft.com/windows/servercore:ltsc2022 => mcr.microsoft.com/windows/servercore:ltsc2022',
        '5 from 1 mcr.microsoft.com/windows/nanoserver:ltsc2022 => mcr.microsoft.com/windows/nanoserver:ltsc2022',
      ],
      check: (x) => assert.equal(x.escape, '`'),
    },
    {
      name: 'CRLF line endings and a UTF-8 BOM',
      text: '\uFEFF# syntax=docker/dockerfile:1\r\nARG V=3.19\r\nFROM alpine:$V AS base\r\nRUN echo \\\r\n  hi\r\nFROM base\r\n',
      refs: ['3 from 0 alpine:$V => alpine:3.19'],
      stages: ['0 base image alpine:3.19', '1 - stage base'],
      check: (x) => assert.equal(x.syntax, 'docker/dockerfile:1'),
    },
    {
      name: 'ONBUILD lines are notes, not dependencies',
      text: 'FROM alpine\nONBUILD COPY --from=golang:1.22 /go /go\nONBUILD RUN --mount=from=node,target=/n true\n',
      refs: ['1 from 0 alpine => alpine'],
      notes: [
        [2, /ONBUILD COPY --from=golang:1.22 .*not a dependency/],
        [3, /ONBUILD RUN --mount=from=node/],
      ],
    },
    {
      name: 'forbidden ONBUILD triggers are errors',
      text: 'FROM alpine\nONBUILD FROM x\n',
      refs: ['1 from 0 alpine => alpine'],
      errors: [[2, /FROM isn't allowed as an ONBUILD trigger/]],
    },
    {
      name: 'unknown instructions and instructions before FROM are errors',
      text: 'RUN echo\nARG OK=1\nFROM alpine\nFORM x\n',
      refs: ['3 from 0 alpine => alpine'],
      errors: [
        [1, /RUN before the first FROM/],
        [4, /unknown instruction: FORM/],
      ],
    },
    { name: 'an empty file', text: '', refs: [], errors: [[null, /no instructions/]] },
    { name: 'only comments', text: '# nothing\n\n', refs: [], errors: [[null, /no instructions/]] },
    { name: 'no FROM', text: 'ARG X=1\n', refs: [], errors: [[null, /no FROM instruction/]] },
  ];
  cases.forEach(run);
});
