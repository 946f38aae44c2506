import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parseReference, type ImageReference } from '@restack/reference';
import { findDeprecation, loadCatalog, matchesReference, type Catalog } from './index.js';

function ref(text: string): ImageReference {
  const parsed = parseReference(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.ref;
}

describe('matchesReference', () => {
  const cases: Array<[string, string, boolean]> = [
    ['registry.example.com/platform/python:3.8*', 'registry.example.com/platform/python:3.8', true],
    [
      'registry.example.com/platform/python:3.8*',
      'registry.example.com/platform/python:3.8.19-slim',
      true,
    ],
    [
      'registry.example.com/platform/python:3.8*',
      'registry.example.com/platform/python:3.9',
      false,
    ],
    [
      'registry.example.com/platform/python:3.8*',
      'registry.example.com/platform/python-extra:3.8',
      false,
    ],
    // The short form of a Docker Hub name matches too.
    ['python:3.8*', 'docker.io/library/python:3.8-slim', true],
    ['docker.io/library/python:3.8*', 'python:3.8-slim', true],
    // `*` stays within a path component, `**` does not.
    ['registry.example.com/*:1.0', 'registry.example.com/team/app:1.0', false],
    ['registry.example.com/**:1.0', 'registry.example.com/team/app:1.0', true],
    ['registry.example.com/*/app:1.?', 'registry.example.com/team/app:1.5', true],
    // A pattern without a tag matches every tag and digest of the repository.
    ['registry.example.com/legacy/base', 'registry.example.com/legacy/base:2020', true],
    [
      'registry.example.com/legacy/base',
      `registry.example.com/legacy/base@sha256:${'b'.repeat(64)}`,
      true,
    ],
    ['registry.example.com/legacy/base', 'registry.example.com/legacy/base-v2:1', false],
    // No tag means latest; a digest does not hide the tag.
    ['node:latest', 'node', true],
    ['node:18*', `node:18@sha256:${'c'.repeat(64)}`, true],
    ['node:18', `node:18@sha256:${'c'.repeat(64)}`, true],
    // Dots are literal.
    ['python:3.8', 'python:3x8', false],
  ];
  for (const [pattern, reference, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${reference}`, () => {
      assert.equal(matchesReference(pattern, ref(reference)), expected);
    });
  }
});

describe('findDeprecation', () => {
  let catalog: Catalog;
  before(async () => {
    catalog = await loadCatalog();
  });

  it('knows the built-in deprecated repositories, with a source', () => {
    for (const [reference, replacement] of [
      ['openjdk:11', 'eclipse-temurin'],
      ['java:8', 'eclipse-temurin'],
      ['centos:7', 'almalinux or rockylinux'],
      ['adoptopenjdk:11-jre-hotspot', 'eclipse-temurin'],
      ['node:10-stretch', 'node:<major>-bookworm-slim'],
      ['node:8-jessie-slim', 'node:<major>-bookworm-slim'],
    ] as const) {
      const match = findDeprecation([ref(reference)], [], catalog.deprecations);
      assert.equal(match?.replacement, replacement, reference);
      assert.match(match?.source ?? '', /^https:\/\//);
    }
    assert.equal(findDeprecation([ref('node:18-bookworm')], [], catalog.deprecations), null);
    assert.equal(findDeprecation([ref('eclipse-temurin:21')], [], catalog.deprecations), null);
  });

  it('lets an organisation rule win over a built-in one', () => {
    const rules = [
      {
        match: 'openjdk',
        replacement: 'registry.example.com/platform/java:21',
        reason: 'use ours',
      },
    ];
    const match = findDeprecation([ref('openjdk:17')], rules, catalog.deprecations);
    assert.equal(match?.origin, 'organisation');
    assert.equal(match?.replacement, 'registry.example.com/platform/java:21');
  });

  it('takes the first matching organisation rule and fills in a reason', () => {
    const rules = [
      { match: 'registry.example.com/platform/*:*-legacy' },
      { match: 'registry.example.com/**' },
    ];
    const match = findDeprecation([ref('registry.example.com/platform/go:1.20-legacy')], rules, []);
    assert.equal(match?.match, 'registry.example.com/platform/*:*-legacy');
    assert.equal(match?.replacement, null);
    assert.match(match?.reason ?? '', /organisation rule/);
  });
});
