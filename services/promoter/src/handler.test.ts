import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RestackError, silentLogger } from '@restack/core';
import { createEvent, type EventOf } from '@restack/events';
import type { PromotionResult } from '@restack/promote';
import { handleScanCompleted, handleStaged, reportStatus } from './handler.js';
import type { GateRequest, PromoterPorts, PromotionRecord } from './ports.js';

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const commit = '0123456789abcdef0123456789abcdef01234567';

const rebuilt = createEvent('restack.image.rebuilt', {
  image: 'reg.example/platform/base',
  tags: ['sha-0123456789ab'],
  digest: D(2),
  baseRef: 'debian:12',
  baseDigest: D(1),
  dockerfile: 'Dockerfile',
  campaignId: 'c1',
  revision: commit,
  promotion: {
    image: 'reg.example/platform/base',
    to: ['1'],
    targetId: 'base',
    repository: 'acme/base',
  },
});
const scanned = createEvent('restack.scan.completed', {
  image: 'reg.example/platform/base',
  digest: D(2),
  campaignId: 'c1',
  scanner: 'grype',
  baseVerified: true,
  vulnerabilities: { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 },
  databaseUpdatedAt: '2026-01-01T00:00:00Z',
});
const delivery = (attempt = 1) => ({ log: silentLogger(), attempt, maxAttempts: 3 });

function ports(gate: (r: GateRequest) => Promise<PromotionResult>) {
  const kv = new Map<string, PromotionRecord>();
  const requests: GateRequest[] = [];
  const statuses: Array<[string, string, string, string | undefined]> = [];
  const p: PromoterPorts = {
    records: {
      get: async (c, i, d) => kv.get(`${c}|${i}|${d}`) ?? null,
      put: async (r) =>
        void kv.set(`${r.staged.campaignId}|${r.staged.stagingImage}|${r.staged.digest}`, r),
    },
    gate: async (r) => (requests.push(r), gate(r)),
    isStagingRepository: (image) => image === 'reg.example/platform/base',
    commitStatus: async (repo, sha, s) => void statuses.push([repo, sha, s.state, s.description]),
    publish: async () => undefined,
    clock: () => new Date('2026-01-05T10:00:00Z'),
  };
  return { p, requests, statuses };
}

const refusedResult: PromotionResult = {
  image: 'reg.example/platform/base:sha-0123456789ab',
  digest: D(2),
  promoted: [],
  outcome: 'refused',
  reason: 'refused by policy: production/nonRootUser: the image runs as root',
  verdicts: [
    {
      policy: 'production',
      rule: 'nonRootUser',
      result: 'fail',
      message: 'the image runs as root',
      policyVersion: '1',
      scanner: { name: 'grype', databaseUpdatedAt: '2026-01-01T00:00:00Z' },
      sources: [{ kind: 'image-config', detail: 'User' }],
    },
  ],
};

describe('promoter handler', () => {
  it('gates the scanned digest once and answers a redelivery with the same events', async () => {
    const { p, requests, statuses } = ports(async () => refusedResult);
    await handleStaged(rebuilt, p);
    const first = await handleScanCompleted(scanned, p, delivery());
    const again = await handleScanCompleted(scanned, p, delivery(2));
    assert.equal(requests.length, 1, 'the gate ran once');
    assert.deepEqual(requests[0], {
      image: `reg.example/platform/base@${D(2)}`,
      to: ['reg.example/platform/base:1'],
      production: 'reg.example/platform/base',
      baseRefs: ['debian:12'],
      scan: {
        scanner: 'grype',
        databaseUpdatedAt: '2026-01-01T00:00:00Z',
        counts: { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 },
        baseVerified: true,
      },
    });
    assert.deepEqual(again, first);
    const refused = first[0] as EventOf<'restack.promotion.refused'>;
    assert.equal(refused.type, 'restack.promotion.refused');
    assert.equal(refused.data.targetId, 'base');
    assert.equal(refused.data.staging, 'reg.example/platform/base:sha-0123456789ab');
    assert.equal(refused.data.verdicts[0]?.result, 'fail');
    const record = await p.records.get('c1', 'reg.example/platform/base', D(2));
    await reportStatus(first, record, p, silentLogger());
    assert.deepEqual(statuses, [
      [
        'acme/base',
        commit,
        'failure',
        'not promoted: refused by policy: production/nonRootUser: the image runs as root',
      ],
    ]);
  });

  it('waits for a staged build it has not recorded yet, and ignores other images', async () => {
    const { p } = ports(async () => refusedResult);
    await assert.rejects(handleScanCompleted(scanned, p, delivery()), /no staged build/);
    const other = createEvent('restack.scan.completed', {
      ...scanned.data,
      image: 'reg.example/team/app',
    });
    assert.deepEqual(await handleScanCompleted(other, p, delivery()), []);
  });

  it('reports a registry error on the last attempt as refused, without promoting', async () => {
    const { p } = ports(async () => {
      throw new RestackError('registry.unreachable', 'connection refused');
    });
    await handleStaged(rebuilt, p);
    await assert.rejects(handleScanCompleted(scanned, p, delivery(1)), /connection refused/);
    const [last] = await handleScanCompleted(scanned, p, delivery(3));
    assert.equal(last?.type, 'restack.promotion.refused');
    assert.match(
      (last as EventOf<'restack.promotion.refused'>).data.reason,
      /^could not promote: .*connection refused/,
    );
  });
});
