import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  EOL_STATUSES,
  evaluateReference,
  loadCatalog,
  parseLifecycleConfig,
  type Catalog,
} from './index.js';

let catalog: Catalog;
before(async () => {
  catalog = await loadCatalog();
});

function at(day: string): Date {
  // Mid-afternoon, to show that the time of day does not move the count.
  return new Date(`${day}T15:30:00Z`);
}

function evaluate(reference: string, day: string, config?: unknown) {
  return evaluateReference(reference, {
    catalog,
    now: at(day),
    ...(config === undefined ? {} : { config: parseLifecycleConfig(config) }),
  });
}

describe('evaluateReference at fixed dates', () => {
  it('debian 10 is past end of life at 2026-11-22', () => {
    const r = evaluate('debian:buster', '2026-11-22');
    assert.equal(r.status, 'eol');
    assert.deepEqual(
      r.products.map((p) => [p.product, p.cycle, p.eol, p.daysPastEol]),
      [['debian', '10', '2022-09-10', 1534]],
    );
    assert.match(r.reason, /debian 10 reached end of life on 2022-09-10 \(1534 days ago\)/);
  });

  it('nodejs 18 ends on 2025-04-30: the day itself counts as end of life', () => {
    assert.equal(evaluate('node:18', '2025-04-30').status, 'eol');
    assert.equal(evaluate('node:18', '2025-04-30').products[0]?.daysPastEol, 0);
    assert.equal(evaluate('node:18', '2025-04-29').status, 'eol-soon');
    assert.equal(evaluate('node:18', '2025-04-29').products[0]?.daysPastEol, -1);
  });

  it('a tag with two products takes the more urgent one', () => {
    const r = evaluate('node:18-bookworm-slim', '2025-06-01');
    assert.equal(r.status, 'eol');
    assert.deepEqual(
      r.products.map((p) => [p.product, p.cycle, p.state]),
      [
        ['nodejs', '18', 'eol'],
        ['debian', '12', 'ok'],
      ],
    );
  });

  it('python 3.8 on alpine 3.19', () => {
    const r = evaluate('python:3.8-alpine3.19', '2024-06-01');
    assert.equal(r.status, 'ok');
    assert.deepEqual(
      r.products.map((p) => [p.product, p.cycle, p.eol]),
      [
        ['python', '3.8', '2024-10-07'],
        ['alpine', '3.19', '2025-11-01'],
      ],
    );
    assert.equal(evaluate('python:3.8-alpine3.19', '2024-10-07').status, 'eol');
  });

  it('ubuntu 20.04 by number and by codename', () => {
    for (const ref of ['ubuntu:20.04', 'ubuntu:focal']) {
      const r = evaluate(ref, '2025-06-01');
      assert.equal(r.status, 'eol');
      assert.equal(r.products[0]?.eol, '2025-05-31');
    }
  });

  it('says which part of golang:1.22-alpine it could not read', () => {
    const r = evaluate('golang:1.22-alpine', '2024-06-01');
    assert.equal(r.status, 'ok');
    assert.deepEqual(
      r.products.map((p) => [p.product, p.cycle, p.state]),
      [
        ['go', '1.22', 'ok'],
        ['alpine', null, 'unknown'],
      ],
    );
    assert.match(r.reason, /"alpine" but not which alpine version/);
  });

  it('a cycle with no end-of-life date is ok', () => {
    const r = evaluate('redis:7.2-alpine3.19', '2025-01-01');
    assert.equal(r.status, 'ok');
    assert.deepEqual(
      r.products.map((p) => [p.cycle, p.eol, p.daysPastEol]),
      [
        ['7.2', null, null],
        ['3.19', '2025-11-01', -304],
      ],
    );
  });

  it('openjdk:11 is a deprecated repository and java 11 is past premier support', () => {
    const r = evaluate('openjdk:11', '2026-01-01');
    assert.equal(r.status, 'eol');
    assert.equal(r.replacement, 'eclipse-temurin');
    assert.equal(r.deprecation?.origin, 'built-in');
    assert.match(
      r.reason,
      /java 11 reached end of life on 2023-09-30.*openjdk official image is deprecated/,
    );
  });

  it('centos:7 is deprecated and end of life', () => {
    const r = evaluate('centos:7', '2024-01-01');
    assert.equal(r.status, 'deprecated');
    assert.equal(r.replacement, 'almalinux or rockylinux');
    assert.equal(evaluate('centos:7', '2024-06-30').status, 'eol');
  });

  it('eclipse-temurin 17 on ubuntu 22.04', () => {
    const r = evaluate('eclipse-temurin:17-jre-jammy', '2027-01-01');
    assert.equal(r.status, 'eol-soon');
    assert.match(r.reason, /ubuntu 22\.04 reaches end of life on 2027-04-01 \(in 90 days\)/);
  });

  it('always carries the data date', () => {
    for (const ref of ['node:18', 'foo:1', 'node@sha256:' + 'a'.repeat(64)]) {
      assert.equal(evaluate(ref, '2025-01-01').dataDate, catalog.dataDate);
    }
    assert.equal(
      evaluate('node:18', '2025-01-01').products[0]?.dataDate,
      catalog.products.get('nodejs')?.dataDate,
    );
  });
});

describe('eol-soon lookahead', () => {
  // nodejs 20 ends on 2026-04-30.
  it('is inclusive at the default 90 days', () => {
    assert.equal(evaluate('node:20', '2026-01-30').status, 'eol-soon');
    assert.equal(evaluate('node:20', '2026-01-30').products[0]?.daysPastEol, -90);
    assert.equal(evaluate('node:20', '2026-01-29').status, 'ok');
  });

  it('follows the configured number of days', () => {
    assert.equal(evaluate('node:20', '2026-03-31', { eolLookaheadDays: 30 }).status, 'eol-soon');
    assert.equal(evaluate('node:20', '2026-03-30', { eolLookaheadDays: 30 }).status, 'ok');
  });

  it('0 turns it off', () => {
    assert.equal(evaluate('node:20', '2026-04-29', { eolLookaheadDays: 0 }).status, 'ok');
    assert.equal(evaluate('node:20', '2026-04-30', { eolLookaheadDays: 0 }).status, 'eol');
  });
});

describe('status precedence: eol > deprecated > eol-soon > ok > unknown', () => {
  it('is the exported order', () => {
    assert.deepEqual([...EOL_STATUSES], ['eol', 'deprecated', 'eol-soon', 'ok', 'unknown']);
  });

  it('deprecated beats eol-soon', () => {
    const config = {
      deprecations: [{ match: 'node:20*', replacement: 'node:22', reason: 'move to 22' }],
    };
    const r = evaluate('node:20', '2026-04-01', config);
    assert.equal(r.status, 'deprecated');
    assert.match(r.reason, /^move to 22; nodejs 20 reaches end of life/);
  });

  it('ok beats unknown, and the reason names the unknown part', () => {
    const r = evaluate('node:bookworm', '2025-01-01');
    assert.equal(r.status, 'ok');
    assert.match(
      r.reason,
      /debian 12 is supported until 2026-06-10; the tag "bookworm" does not name a nodejs version/,
    );
  });
});

describe('unknown', () => {
  const cases: Array<[string, RegExp]> = [
    ['node@sha256:' + 'a'.repeat(64), /digest only/],
    ['node:latest', /"latest" moves/],
    ['python:3', /does not pin a python release cycle/],
    ['node:24-alpine3.21', /nodejs 24 is not in the end-of-life data/],
    [
      'debian:trixie',
      /debian 13 is not in the end-of-life data \(data as of 2025-05-17\); run "restack eol refresh"/,
    ],
    ['debian:stable-slim', /"stable" moves/],
    ['foo:1', /no rule maps docker\.io\/library\/foo/],
    ['not a reference', /invalid reference format/],
  ];
  for (const [ref, reason] of cases) {
    it(ref, () => {
      const r = evaluate(ref, '2025-01-01');
      assert.ok(['unknown', 'ok'].includes(r.status), `${ref} -> ${r.status}`);
      assert.match(r.reason, reason);
    });
  }

  it('node:24 alone is unknown, not ok', () => {
    assert.equal(evaluate('node:24', '2025-01-01').status, 'unknown');
  });
});

describe('mirrors and organisation rules together', () => {
  const config = {
    mirrors: { 'registry.example.com/platform': 'docker.io/library' },
    deprecations: [
      {
        match: 'registry.example.com/platform/python:3.8*',
        replacement: 'registry.example.com/platform/python:3.12',
        reason: 'platform python 3.8 images are frozen',
      },
    ],
  };

  it('evaluates an internal image as the official one and applies the rule', () => {
    const r = evaluate('registry.example.com/platform/python:3.8-slim', '2024-12-01', config);
    assert.equal(r.status, 'eol');
    assert.equal(r.upstream, 'docker.io/library/python:3.8-slim');
    assert.equal(r.replacement, 'registry.example.com/platform/python:3.12');
    assert.equal(r.deprecation?.origin, 'organisation');
    assert.match(
      r.reason,
      /python 3\.8 reached end of life on 2024-10-07.*platform python 3\.8 images are frozen/,
    );
  });

  it('built-in deprecations follow a mirror to the upstream repository', () => {
    const r = evaluate('registry.example.com/platform/openjdk:21', '2025-01-01', config);
    assert.equal(r.status, 'deprecated');
    assert.equal(r.replacement, 'eclipse-temurin');
  });
});
