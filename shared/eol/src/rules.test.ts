import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadCatalog, mapReference, type Catalog } from './index.js';

let catalog: Catalog;
before(async () => {
  catalog = await loadCatalog();
});

/** [product, version] pairs a reference maps to, in tag order. */
function partsOf(
  reference: string,
  mirrors: Record<string, string> = {},
): Array<[string, string | null]> {
  return mapReference(reference, { catalog, mirrors }).parts.map((p) => [p.product, p.version]);
}

describe('mapReference: the examples of the issue', () => {
  const cases: Array<[string, Array<[string, string | null]>]> = [
    [
      'node:18-bookworm-slim',
      [
        ['nodejs', '18'],
        ['debian', '12'],
      ],
    ],
    [
      'python:3.8-alpine3.19',
      [
        ['python', '3.8'],
        ['alpine', '3.19'],
      ],
    ],
    ['debian:buster', [['debian', '10']]],
    ['debian:bookworm-slim', [['debian', '12']]],
    ['ubuntu:20.04', [['ubuntu', '20.04']]],
    ['ubuntu:focal', [['ubuntu', '20.04']]],
    ['golang:1.21', [['go', '1.21']]],
    [
      'golang:1.22-alpine',
      [
        ['go', '1.22'],
        ['alpine', null],
      ],
    ],
    ['php:8.1-apache', [['php', '8.1']]],
    ['postgres:13', [['postgresql', '13']]],
    [
      'redis:7.2-alpine3.19',
      [
        ['redis', '7.2'],
        ['alpine', '3.19'],
      ],
    ],
    [
      'eclipse-temurin:17-jre-jammy',
      [
        ['eclipse-temurin', '17'],
        ['ubuntu', '22.04'],
      ],
    ],
    ['openjdk:11', [['java', '11']]],
    ['mysql:8.0', [['mysql', '8.0']]],
    ['mariadb:10.6', [['mariadb', '10.6']]],
    [
      'nginx:1.24-alpine',
      [
        ['nginx', '1.24'],
        ['alpine', null],
      ],
    ],
    [
      'ruby:3.1-slim-bullseye',
      [
        ['ruby', '3.1'],
        ['debian', '11'],
      ],
    ],
    ['alpine:3.18', [['alpine', '3.18']]],
    ['centos:7', [['centos', '7']]],
  ];
  for (const [reference, expected] of cases) {
    it(reference, () => assert.deepEqual(partsOf(reference), expected));
  }
});

describe('mapReference: more tag shapes', () => {
  const cases: Array<[string, Array<[string, string | null]>]> = [
    [
      'python:3.12.4-slim-bookworm',
      [
        ['python', '3.12.4'],
        ['debian', '12'],
      ],
    ],
    [
      'node:18.20.1-alpine3.19',
      [
        ['nodejs', '18.20.1'],
        ['alpine', '3.19'],
      ],
    ],
    [
      'node:hydrogen-bookworm',
      [
        ['nodejs', '18'],
        ['debian', '12'],
      ],
    ],
    [
      'docker.io/library/node:20-bullseye',
      [
        ['nodejs', '20'],
        ['debian', '11'],
      ],
    ],
    ['index.docker.io/library/debian:12.4-slim', [['debian', '12.4']]],
    ['debian:bookworm-20240110-slim', [['debian', '12']]],
    ['debian:trixie', [['debian', '13']]],
    ['ubuntu:jammy-20240111', [['ubuntu', '22.04']]],
    ['ubuntu:noble', [['ubuntu', '24.04']]],
    ['ubuntu:xenial', [['ubuntu', '16.04']]],
    ['ubuntu:bionic', [['ubuntu', '18.04']]],
    ['centos:centos7', [['centos', '7']]],
    ['centos:7.9.2009', [['centos', '7.9.2009']]],
    [
      'eclipse-temurin:8u392-b08-jdk-focal',
      [
        ['eclipse-temurin', '8'],
        ['ubuntu', '20.04'],
      ],
    ],
    [
      'eclipse-temurin:17.0.9_9-jre-alpine',
      [
        ['eclipse-temurin', '17.0.9'],
        ['alpine', null],
      ],
    ],
    [
      'openjdk:17-jdk-slim-bullseye',
      [
        ['java', '17'],
        ['debian', '11'],
      ],
    ],
    ['traefik:v3.1', [['traefik', '3.1']]],
    ['python:3.13.0rc1-slim', [['python', '3.13.0']]],
    [
      'mongo:7.0-jammy',
      [
        ['mongodb', '7.0'],
        ['ubuntu', '22.04'],
      ],
    ],
    [
      'mongodb/mongodb-community-server:7.0-ubuntu2204',
      [
        ['mongodb', '7.0'],
        ['ubuntu', '22.04'],
      ],
    ],
    [
      'mcr.microsoft.com/dotnet/aspnet:8.0-bookworm-slim',
      [
        ['dotnet', '8.0'],
        ['debian', '12'],
      ],
    ],
    [
      'gcr.io/distroless/nodejs20-debian12',
      [
        ['debian', '12'],
        ['nodejs', '20'],
      ],
    ],
    ['gcr.io/distroless/static-debian11:nonroot', [['debian', '11']]],
    [
      'node:bookworm',
      [
        ['nodejs', null],
        ['debian', '12'],
      ],
    ],
    [
      'node:lts-alpine',
      [
        ['nodejs', null],
        ['alpine', null],
      ],
    ],
    [
      'rabbitmq:3.13-management-alpine',
      [
        ['rabbitmq', '3.13'],
        ['alpine', null],
      ],
    ],
  ];
  for (const [reference, expected] of cases) {
    it(reference, () => assert.deepEqual(partsOf(reference), expected));
  }
});

describe('mapReference: says why instead of guessing', () => {
  it('reads nothing from a digest-only reference', () => {
    const m = mapReference(`node@sha256:${'a'.repeat(64)}`, { catalog });
    assert.deepEqual(m.parts, []);
    assert.match(m.reason ?? '', /digest only/);
  });

  it('keeps the tag when a digest is given too', () => {
    assert.deepEqual(partsOf(`node:18@sha256:${'a'.repeat(64)}`), [['nodejs', '18']]);
  });

  it('treats a missing tag as latest, which moves', () => {
    const m = mapReference('node', { catalog });
    assert.equal(m.parts[0]?.version, null);
    assert.match(m.parts[0]?.note ?? '', /"latest" moves/);
  });

  it('does not take the default OS of a variant-less tag', () => {
    const m = mapReference('php:8.1-apache', { catalog });
    assert.ok(m.notes.some((n) => /does not name its base OS/.test(n)));
  });

  it('names unknown tag shapes', () => {
    const m = mapReference('node:something-odd', { catalog });
    assert.deepEqual(m.parts, []);
    assert.match(m.reason ?? '', /does not start with a nodejs version/);
  });

  it('notes tag parts it does not recognise', () => {
    const m = mapReference('node:18-frobnicated', { catalog });
    assert.deepEqual(partsOf('node:18-frobnicated'), [['nodejs', '18']]);
    assert.ok(m.notes.some((n) => /"frobnicated" is not recognised/.test(n)));
  });

  it('names bases the catalog does not cover', () => {
    const m = mapReference('eclipse-temurin:21-jdk-ubi9-minimal', { catalog });
    assert.deepEqual(partsOf('eclipse-temurin:21-jdk-ubi9-minimal'), [['eclipse-temurin', '21']]);
    assert.ok(m.notes.some((n) => /"ubi9" is not in the end-of-life catalog/.test(n)));
  });

  it('has no rule for unknown repositories', () => {
    assert.match(
      mapReference('registry.example.com/team/app:1.0', { catalog }).reason ?? '',
      /lifecycle\.mirrors/,
    );
    assert.match(
      mapReference('bitnami/node:18', { catalog }).reason ?? '',
      /no rule maps docker\.io\/bitnami\/node/,
    );
  });

  it('reports invalid references', () => {
    const m = mapReference('Node:18', { catalog });
    assert.equal(m.normalized, null);
    assert.match(m.reason ?? '', /lowercase/);
  });
});

describe('mapReference: mirrors', () => {
  it('ignores a mirror that is not configured', () => {
    assert.deepEqual(partsOf('mirror.example.com/library/node:18'), []);
  });

  it('applies the official rules under a configured mirror', () => {
    const mirrors = { 'mirror.example.com': 'docker.io' };
    assert.deepEqual(partsOf('mirror.example.com/library/node:18', mirrors), [['nodejs', '18']]);
    const m = mapReference('mirror.example.com/library/node:18', { catalog, mirrors });
    assert.equal(m.normalized, 'mirror.example.com/library/node:18');
    assert.equal(m.upstream, 'docker.io/library/node:18');
  });

  it('adds library/ when the mirror path leaves it out', () => {
    const mirrors = { 'registry.example.com/hub': 'docker.io' };
    assert.deepEqual(partsOf('registry.example.com/hub/python:3.12-slim', mirrors), [
      ['python', '3.12'],
    ]);
  });

  it('matches whole path components and prefers the longest prefix', () => {
    const mirrors = {
      'registry.example.com/platform': 'docker.io/library',
      'registry.example.com': 'quay.io',
    };
    assert.deepEqual(partsOf('registry.example.com/platform/python:3.8', mirrors), [
      ['python', '3.8'],
    ]);
    assert.deepEqual(partsOf('registry.example.com/platformx/python:3.8', mirrors), []);
  });
});
