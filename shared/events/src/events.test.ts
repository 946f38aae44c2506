import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRestackError } from '@restack/core';
import {
  EVENT_TYPES,
  EVENT_VERSIONS,
  childTraceparent,
  createEvent,
  deadLetterSubject,
  eventTypePattern,
  parseEvent,
  stableEventId,
  type EventData,
  type EventType,
} from './index.js';

const d1 = `sha256:${'a'.repeat(64)}`;
const d2 = `sha256:${'b'.repeat(64)}`;
const campaignId = 'c-2024-debian';
const counts = { critical: 0, high: 1, medium: 2, low: 3, unknown: 0 };
const failure = { message: 'registry said 500', retryable: true };

/** One valid payload per type: proves every schema accepts what its producer will send. */
const samples: { [T in EventType]: EventData<T> } = {
  'restack.digest.changed': {
    ref: 'debian:bookworm',
    previousDigest: d1,
    digest: d2,
    platforms: ['linux/amd64', 'linux/arm64/v8'],
    detectedBy: 'poll',
    firstSeenAt: '2024-05-01T10:00:00.000Z',
  },
  'restack.tag.missing': { ref: 'debian:buster', previousDigest: d1, detectedBy: 'webhook' },
  'restack.graph.updated': {
    repository: 'acme/images',
    changedFiles: ['base/Dockerfile'],
    nodes: { added: ['acme/base'], removed: [] },
    edges: { added: [{ from: 'debian:bookworm', to: 'acme/base' }], removed: [] },
  },
  'restack.campaign.planned': {
    campaignId,
    trigger: { ref: 'debian:bookworm', previousDigest: d1, digest: d2 },
    waves: [['base'], ['app']],
    targets: [
      { id: 'base', repository: 'acme/images', dockerfile: 'base/Dockerfile', strategy: 'build' },
      {
        id: 'app',
        image: 'ghcr.io/acme/app',
        repository: 'acme/app',
        dockerfile: 'Dockerfile',
        strategy: 'pr',
      },
    ],
  },
  'restack.pr.requested': {
    campaignId,
    targetId: 'app',
    repository: 'acme/app',
    dockerfile: 'Dockerfile',
    baseRef: 'ghcr.io/acme/base:1',
    fromDigest: d1,
    toDigest: d2,
  },
  'restack.pr.opened': {
    campaignId,
    targetId: 'app',
    repository: 'acme/app',
    number: 7,
    url: 'https://github.com/acme/app/pull/7',
    branch: 'restack/base',
  },
  'restack.pr.updated': {
    campaignId,
    targetId: 'app',
    repository: 'acme/app',
    number: 7,
    url: 'https://github.com/acme/app/pull/7',
    state: 'merged',
  },
  'restack.pr.failed': { campaignId, targetId: 'app', repository: 'acme/app', failure },
  'restack.build.requested': {
    campaignId,
    targetId: 'base',
    image: 'registry.example.com/acme/base',
    tags: ['1', 'latest'],
    repository: 'acme/images',
    revision: 'main',
    context: 'base',
    dockerfile: 'base/Dockerfile',
    baseRef: 'debian:bookworm',
    baseDigest: d2,
    platforms: ['linux/amd64'],
  },
  'restack.build.completed': {
    campaignId,
    targetId: 'base',
    image: 'registry.example.com/acme/base',
    tags: ['1'],
    digest: d1,
  },
  'restack.build.failed': {
    campaignId,
    targetId: 'base',
    image: 'registry.example.com/acme/base',
    failure,
  },
  'restack.dispatch.requested': {
    campaignId,
    targetId: 'svc',
    repository: 'acme/svc',
    workflow: 'build.yml',
    ref: 'main',
    inputs: { base: d2 },
  },
  'restack.image.rebuilt': {
    image: 'registry.example.com/acme/base',
    tags: ['1'],
    digest: d1,
    baseRef: 'debian:bookworm',
    baseDigest: d2,
    dockerfile: 'base/Dockerfile',
    campaignId,
  },
  'restack.scan.completed': {
    image: 'registry.example.com/acme/base',
    digest: d1,
    scanner: 'grype',
    baseDigest: d2,
    baseVerified: true,
    vulnerabilities: counts,
  },
  'restack.image.stale': {
    image: 'registry.example.com/acme/base',
    digest: d1,
    builtAt: '2024-01-01T00:00:00Z',
    ageDays: 120,
    maxAgeDays: 90,
  },
  'restack.image.deprecated': {
    image: 'registry.example.com/acme/old',
    digest: d1,
    base: 'debian:buster',
    eolDate: '2024-06-30',
    reason: 'Debian 10 reached end of life',
  },
  'restack.image.vulnerable': {
    image: 'registry.example.com/acme/base:1',
    digest: d1,
    source: 'catalog',
    scanner: 'trivy',
    scannerVersion: '0.59.1',
    databaseUpdatedAt: '2025-02-01T12:13:39Z',
    scannedAt: '2025-02-02T03:00:00Z',
    base: {
      ref: 'debian:bookworm',
      source: 'label',
      builtOn: d1,
      current: d2,
      newer: true,
      notes: [],
    },
    counts,
    findings: [
      {
        id: 'CVE-2024-0001',
        package: 'openssl',
        installed: '3.0.11-1~deb12u2',
        fixedVersion: '3.0.13-1~deb12u1',
        severity: 'high',
        publishedAt: '2024-01-26T09:15:07Z',
        daysSinceAdvisory: 373,
        fixSince: { at: '2024-02-01T00:00:00Z', source: 'first-seen' },
        daysSinceFix: 367,
        fixableByBase: {
          fixable: true,
          reason: 'the newer base has openssl 3.0.13-1~deb12u1',
          baseVersion: '3.0.13-1~deb12u1',
          baseScanShows: false,
        },
      },
    ],
    omitted: 0,
    rebuild: { started: true, reason: 'fixable by the base', campaignId: 'vulnerable:x' },
  },
  'restack.image.promoted': {
    campaignId,
    targetId: 'base',
    image: 'registry.example.com/acme/base',
    digest: d1,
    staging: 'registry.example.com/acme/base:sha-0123456789ab',
    promoted: ['registry.example.com/acme/base:1'],
    verdicts: [
      {
        policy: 'default',
        rule: 'nonRootUser',
        result: 'pass',
        message: 'runs as app',
        policyVersion: '1',
        scanner: { name: 'grype', databaseUpdatedAt: '2024-01-01T00:00:00Z' },
        sources: [{ kind: 'image-config', detail: 'User' }],
      },
    ],
  },
  'restack.promotion.refused': {
    campaignId,
    image: 'registry.example.com/acme/base',
    digest: d1,
    staging: 'registry.example.com/acme/base:sha-0123456789ab',
    reason: 'default/nonRootUser: the image runs as root',
    verdicts: [],
  },
};

function expectRestackError(fn: () => unknown, code: string, where?: string): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isRestackError(e), `expected RestackError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (where !== undefined) assert.equal(e.where, where);
    return e.message;
  }
  assert.fail(`expected ${code}`);
}

describe('event catalog', () => {
  it('has a three-token type and a version for every event', () => {
    assert.equal(EVENT_TYPES.length, Object.keys(samples).length);
    for (const type of EVENT_TYPES) {
      assert.match(type, eventTypePattern);
      assert.equal(EVENT_VERSIONS[type], 1);
    }
  });

  it('round-trips every event type through JSON', () => {
    for (const type of EVENT_TYPES) {
      const event = createEvent(type, samples[type] as never);
      const back = parseEvent(Buffer.from(JSON.stringify(event)));
      assert.deepEqual(back, event, type);
    }
  });
});

describe('createEvent', () => {
  it('takes campaignId from the data and continues the trace of its cause', () => {
    const planned = createEvent('restack.campaign.planned', samples['restack.campaign.planned']);
    assert.equal(planned.campaignId, campaignId);
    const pr = createEvent('restack.pr.failed', samples['restack.pr.failed'], {
      causedBy: planned,
    });
    assert.equal(pr.traceparent.split('-')[1], planned.traceparent.split('-')[1]);
    assert.notEqual(pr.traceparent, planned.traceparent);
  });

  it('keeps a caller-chosen id so a retry publishes the same event id', () => {
    const id = stableEventId('campaign', campaignId, 'target', 'app');
    const a = createEvent('restack.pr.requested', samples['restack.pr.requested'], { id });
    const b = createEvent('restack.pr.requested', samples['restack.pr.requested'], { id });
    assert.equal(a.id, b.id);
  });

  it('refuses invalid data and names the field', () => {
    const bad = { ...samples['restack.digest.changed'], digest: 'latest' };
    const message = expectRestackError(
      () => createEvent('restack.digest.changed', bad),
      'EVENT_INVALID',
      'data.digest',
    );
    assert.match(message, /OCI digest/);
  });
});

describe('parseEvent', () => {
  const valid = createEvent('restack.campaign.planned', samples['restack.campaign.planned']);

  it('names the path of a nested invalid field', () => {
    const bad = structuredClone(valid) as { data: { waves: string[][] } };
    bad.data.waves[1]![0] = 'ghost';
    const message = expectRestackError(
      () => parseEvent(JSON.stringify(bad)),
      'EVENT_INVALID',
      'data.waves[1][0]',
    );
    assert.match(message, /ghost is not in targets/);
  });

  it('reports a missing envelope field', () => {
    const { traceparent: _drop, ...rest } = valid;
    expectRestackError(() => parseEvent(rest), 'EVENT_INVALID', 'traceparent');
  });

  it('rejects a malformed traceparent', () => {
    expectRestackError(
      () => parseEvent({ ...valid, traceparent: '00-abc-def-01' }),
      'EVENT_INVALID',
      'traceparent',
    );
  });

  it('rejects text that is not JSON, unknown types and unknown versions', () => {
    expectRestackError(() => parseEvent('{not json'), 'EVENT_INVALID_JSON');
    expectRestackError(() => parseEvent(new Uint8Array([0xff, 0xfe])), 'EVENT_INVALID_JSON');
    expectRestackError(
      () => parseEvent({ ...valid, type: 'restack.nope.nope' }),
      'EVENT_UNKNOWN_TYPE',
      'type',
    );
    expectRestackError(
      () => parseEvent({ ...valid, version: 2 }),
      'EVENT_UNSUPPORTED_VERSION',
      'version',
    );
    expectRestackError(() => parseEvent([1, 2]), 'EVENT_INVALID', '(root)');
  });
});

describe('ids and subjects', () => {
  it('derives the same v5 uuid from the same parts and a different one otherwise', () => {
    const a = stableEventId('a:b', 'c');
    assert.equal(a, stableEventId('a:b', 'c'));
    assert.notEqual(a, stableEventId('a', 'b:c'));
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('keeps the trace id and flags in a child traceparent', () => {
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    assert.match(childTraceparent(parent), /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
  });

  it('puts dead letters under restack.deadletter.<type>', () => {
    assert.equal(
      deadLetterSubject('restack.digest.changed'),
      'restack.deadletter.restack.digest.changed',
    );
  });
});
