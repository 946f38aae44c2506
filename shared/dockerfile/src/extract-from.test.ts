import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { runCase as run, type Case } from './case-table.js';

const H = 'a'.repeat(64);

describe('FROM', () => {
  const cases: Case[] = [
    {
      name: 'a single FROM',
      text: 'FROM alpine:3.19\n',
      refs: ['1 from 0 alpine:3.19 => alpine:3.19'],
      stages: ['0 - image alpine:3.19'],
      check: (x) => {
        assert.equal(x.references[0]?.ref?.name, 'docker.io/library/alpine');
        assert.equal(x.references[0]?.platform, null);
      },
    },
    {
      name: '--platform and a stage name (kept in lower case, as BuildKit does)',
      text: 'FROM --platform=linux/arm64 golang:1.22 AS Build\n',
      refs: ['1 from 0 golang:1.22 => golang:1.22'],
      stages: ['0 build image golang:1.22'],
      check: (x) => {
        assert.equal(x.references[0]?.platform, 'linux/arm64');
        assert.equal(x.references[0]?.stageName, 'build');
        assert.equal(x.stages[0]?.platform, 'linux/arm64');
      },
    },
    {
      name: '--platform=$BUILDPLATFORM is kept as written',
      text: 'FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx\n',
      refs: ['1 from 0 tonistiigi/xx => tonistiigi/xx'],
      check: (x) => assert.equal(x.references[0]?.platform, '$BUILDPLATFORM'),
    },
    {
      name: 'quoted --platform value',
      text: 'FROM --platform="linux/amd64" alpine\n',
      refs: ['1 from 0 alpine => alpine'],
      check: (x) => assert.equal(x.references[0]?.platform, 'linux/amd64'),
    },
    {
      name: 'FROM scratch is no dependency',
      text: 'FROM scratch\n',
      refs: [],
      stages: ['0 - scratch scratch'],
    },
    {
      name: 'FROM <earlier stage> is a stage, not an image',
      text: 'FROM alpine AS base\nFROM base\n',
      refs: ['1 from 0 alpine => alpine'],
      stages: ['0 base image alpine', '1 - stage base'],
      check: (x) => assert.equal(x.stages[1]?.baseStage, 0),
    },
    {
      name: 'a stage named like its own base image: the next FROM means the stage',
      text: 'FROM alpine AS alpine\nFROM alpine\n',
      refs: ['1 from 0 alpine => alpine'],
      stages: ['0 alpine image alpine', '1 - stage alpine'],
    },
    {
      name: 'a name defined only later is an image',
      text: 'FROM later\nFROM alpine AS later\n',
      refs: ['1 from 0 later => later', '2 from 1 alpine => alpine'],
    },
    {
      name: 'stage names are case-insensitive (with a note where BuildKit disagrees)',
      text: 'FROM alpine AS Base\nFROM BASE AS x\nCOPY --from=bAsE /a /b\nFROM base\n',
      refs: ['1 from 0 alpine => alpine'],
      stages: ['0 base image alpine', '1 x stage base', '2 - stage base'],
      notes: [[2, /moby\/buildkit#2003/]],
    },
    {
      name: 'a pinned digest is kept',
      text: `FROM registry.example.com:5000/team/app:1.2@sha256:${H}\n`,
      refs: [
        `1 from 0 registry.example.com:5000/team/app:1.2@sha256:${H} => registry.example.com:5000/team/app:1.2@sha256:${H}`,
      ],
      check: (x) => {
        const ref = x.references[0]?.ref;
        assert.equal(ref?.digest, `sha256:${H}`);
        assert.equal(ref?.tag, '1.2');
        assert.equal(ref?.domain, 'registry.example.com:5000');
      },
    },
    {
      name: 'an upper-case image is an error naming its line',
      text: 'FROM alpine\nFROM Ubuntu:22.04\n',
      refs: ['1 from 0 alpine => alpine', '2 from 1 Ubuntu:22.04 => Ubuntu:22.04'],
      errors: [[2, /invalid image reference "Ubuntu:22.04" in FROM: .*must be lowercase/]],
      check: (x) => assert.equal(x.references[1]?.ref?.valid, false),
    },
    {
      name: 'a malformed digest is an error',
      text: 'FROM ubuntu@sha256:abc\n',
      refs: ['1 from 0 ubuntu@sha256:abc => ubuntu@sha256:abc'],
      errors: [[1, /digest/]],
    },
    {
      name: 'wrong argument counts and stage names',
      text: 'FROM a b\nFROM\nFROM c AS 1bad\nFROM d as e f\n',
      refs: ['1 from 0 a => a', '3 from 2 c => c', '4 from 3 d => d'],
      errors: [
        [1, /one or three arguments/],
        [2, /one or three arguments/],
        [3, /invalid name for build stage: "1bad"/],
        [4, /one or three arguments/],
      ],
    },
    {
      name: 'an unknown FROM flag, and --platform without a value',
      text: 'FROM --plat=x alpine\nFROM --platform busybox\n',
      refs: ['1 from 0 alpine => alpine', '2 from 1 busybox => busybox'],
      errors: [
        [1, /unknown flag in FROM: --plat/],
        [2, /missing a value on flag: --platform/],
      ],
    },
    {
      name: 'the line is where the image text sits in a continued FROM',
      text: 'FROM \\\n  # a comment\n\n  alpine:3 \\\n  AS x\n',
      refs: ['4 from 0 alpine:3 => alpine:3'],
      check: (x) => {
        assert.equal(x.references[0]?.instructionLine, 1);
        assert.equal(x.stages[0]?.name, 'x');
      },
    },
  ];
  cases.forEach(run);
});

describe('COPY --from and ADD --from', () => {
  const cases: Case[] = [
    {
      name: 'an image, a stage, an index and scratch',
      text:
        'FROM golang:1.22 AS build\nFROM alpine\nCOPY --from=build /a /a\nCOPY --from=0 /a /a\n' +
        'COPY --from=busybox:1.36 /bin/busybox /bin/\nCOPY --from=scratch / /\n',
      refs: [
        '1 from 0 golang:1.22 => golang:1.22',
        '2 from 1 alpine => alpine',
        '5 copy 1 busybox:1.36 => busybox:1.36',
      ],
    },
    {
      name: 'flags in any order, quoted value, lower-case copy',
      text: 'FROM alpine\ncopy --chown=1:1 --from="nginx:1.27" --link /a /b\n',
      refs: ['1 from 0 alpine => alpine', '2 copy 0 nginx:1.27 => nginx:1.27'],
    },
    {
      name: 'ADD --from is listed, with a note that BuildKit rejects it',
      text: 'FROM alpine\nADD --from=busybox /a /b\n',
      refs: ['1 from 0 alpine => alpine', '2 copy 0 busybox => busybox'],
      notes: [[2, /ADD --from is not a BuildKit flag/]],
    },
    {
      name: 'a stage named only later is read as an image, with a note',
      text: 'FROM alpine\nCOPY --from=tools /a /b\nFROM busybox AS tools\n',
      refs: ['1 from 0 alpine => alpine', '2 copy 0 tools => tools', '3 from 1 busybox => busybox'],
      notes: [[2, /defined later \(line 3\)/]],
    },
    {
      name: 'stage index errors',
      text: 'FROM alpine\nCOPY --from=0 /a /b\nCOPY --from=7 /a /b\nFROM busybox AS b\nCOPY --from=b /a /b\n',
      refs: ['1 from 0 alpine => alpine', '4 from 1 busybox => busybox'],
      errors: [
        [2, /copies from its own stage/],
        [3, /invalid stage index 7/],
        [5, /refers to the stage it is in/],
      ],
    },
    {
      name: 'a later stage index is allowed (BuildKit) with a note',
      text: 'FROM alpine\nCOPY --from=1 /a /b\nFROM busybox\n',
      refs: ['1 from 0 alpine => alpine', '3 from 1 busybox => busybox'],
      notes: [[2, /later stage/]],
    },
    {
      name: 'an empty --from= is no --from; a missing value is an error',
      text: 'FROM alpine\nCOPY --from= /a /b\nCOPY --from /a /b\n',
      refs: ['1 from 0 alpine => alpine'],
      errors: [[3, /missing a value on flag: --from/]],
    },
  ];
  cases.forEach(run);
});

describe('RUN --mount=...,from=', () => {
  const cases: Case[] = [
    {
      name: 'bind and cache mounts from images; cache without from and secrets add nothing',
      text:
        'FROM alpine\n' +
        'RUN --mount=type=bind,from=busybox:1.36,source=/bin,target=/b true\n' +
        'RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=npm true\n' +
        'RUN --network=none --mount=from=nginx,target=/n --mount=type=cache,from=node:20,target=/c true\n',
      refs: [
        '1 from 0 alpine => alpine',
        '2 mount 0 busybox:1.36 => busybox:1.36',
        '4 mount 0 nginx => nginx',
        '4 mount 0 node:20 => node:20',
      ],
    },
    {
      name: 'a mount from a stage or scratch adds nothing; tmpfs ignores from',
      text: 'FROM alpine AS a\nFROM a\nRUN --mount=from=A,target=/a --mount=type=tmpfs,from=x,target=/t --mount=from=scratch,target=/s true\n',
      refs: ['1 from 0 alpine => alpine'],
    },
    {
      name: 'CSV quoting and upper-case keys, as BuildKit parses them',
      text: 'FROM alpine\nRUN --mount="type=bind,\\"from=img:1\\",target=/x" --mount=TYPE=bind,FROM=other true\n',
      refs: ['1 from 0 alpine => alpine', '2 mount 0 img:1 => img:1', '2 mount 0 other => other'],
    },
    {
      name: 'a mount value that is not CSV is an error',
      text: 'FROM alpine\nRUN --mount=type=bind,fr\\"om=x true\nRUN --mount=bogus true\n',
      refs: ['1 from 0 alpine => alpine'],
      errors: [
        [2, /invalid --mount value .*bare "/],
        [3, /invalid --mount field 'bogus'/],
      ],
    },
    {
      name: 'numbers in mount from are image names for BuildKit',
      text: 'FROM alpine\nRUN --mount=from=0 true\n',
      refs: ['1 from 0 alpine => alpine', '2 mount 0 0 => 0'],
      notes: [[2, /not a stage index/]],
    },
  ];
  cases.forEach(run);
});
