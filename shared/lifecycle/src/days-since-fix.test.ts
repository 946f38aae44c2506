import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadCatalog, type Catalog } from '@restack/eol';
import { buildTime } from './age.js';
import { evaluatePolicies } from './evaluate.js';
import { policiesSchema, type ScanSummary } from './schema.js';
import type { ImageSubject } from './subject.js';

const now = new Date('2025-06-01T00:00:00Z');
const digest = `sha256:${'a'.repeat(64)}`;
let catalog: Catalog;
before(async () => {
  catalog = await loadCatalog();
});

function subject(scan: ScanSummary | null): ImageSubject {
  return {
    kind: 'image',
    reference: 'registry.example.com/team/app:1',
    repository: 'app',
    facts: {
      reference: 'registry.example.com/team/app:1',
      digest,
      created: '2025-05-01T00:00:00Z',
      labels: {},
      diffIds: [],
      user: '1000',
      exposedPorts: [],
      pushedAt: null,
      pushedNote: null,
      configNote: null,
    },
    failure: null,
    build: buildTime({ created: '2025-05-01T00:00:00Z', firstSeen: null, pushed: null }, now),
    drift: null,
    scan,
    dockerfile: null,
  };
}

const rescan = (fixes: ScanSummary['fixes']): ScanSummary => ({
  image: 'registry.example.com/team/app:1',
  digest,
  scanner: 'grype',
  scannedAt: '2025-05-31T03:00:00Z',
  counts: { critical: 1, high: 1, medium: 1, low: 0, unknown: 0 },
  ...(fixes ? { fixes } : {}),
});

const policy = policiesSchema.parse([
  { name: 'fix-fast', rules: { maxDaysSinceFix: { days: 14, action: 'deny' } } },
]);

describe('maxDaysSinceFix', () => {
  it('denies a critical or high finding fixed upstream longer ago than the limit', () => {
    const v = evaluatePolicies(
      subject(
        rescan([
          { id: 'CVE-1', package: 'openssl', severity: 'high', fixSince: '2025-05-01T00:00:00Z' },
          { id: 'CVE-2', package: 'libc6', severity: 'critical', fixSince: '2025-05-25T00:00:00Z' },
          // Medium is not counted by default.
          { id: 'CVE-3', package: 'zlib1g', severity: 'medium', fixSince: '2024-01-01T00:00:00Z' },
        ]),
      ),
      policy,
      { now, catalog },
    );
    assert.equal(v.decision, 'deny');
    assert.deepEqual(
      v.findings.map((f) => f.message),
      [
        'CVE-1 (high) in openssl has had a fix for 31 days (since 2025-05-01T00:00:00Z); the limit is 14',
      ],
    );
  });

  it('says it could not run without a rescan that dates the fixes', () => {
    const v = evaluatePolicies(subject(rescan(undefined)), policy, { now, catalog });
    assert.equal(v.decision, 'pass');
    assert.match(v.notEvaluated[0]!.reason, /no rescan with fix dates/);
  });
});
