import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { vulnerabilityDelta } from './delta.js';
import { normaliseSeverity } from './severity.js';
import type { Vulnerability } from './vulnerability.js';

function v(
  id: string,
  pkg: string,
  severity: Vulnerability['severity'],
  version = '1',
): Vulnerability {
  return { id, package: pkg, installedVersion: version, fixedVersion: null, severity };
}

describe('vulnerability delta', () => {
  it('splits findings into fixed, introduced and remaining, counted by severity', () => {
    const before = [
      v('CVE-1', 'libc6', 'high'),
      v('CVE-2', 'libc6', 'high'),
      v('CVE-3', 'zlib1g', 'critical'),
    ];
    const after = [v('CVE-3', 'zlib1g', 'critical', '2'), v('CVE-4', 'libc6', 'medium')];
    const delta = vulnerabilityDelta({ vulnerabilities: before }, { vulnerabilities: after });
    assert.deepEqual(
      delta.fixed.map((f) => f.id),
      ['CVE-1', 'CVE-2'],
    );
    assert.deepEqual(
      delta.introduced.map((f) => f.id),
      ['CVE-4'],
    );
    assert.deepEqual(delta.counts, {
      fixed: { critical: 0, high: 2, medium: 0, low: 0, unknown: 0 },
      introduced: { critical: 0, high: 0, medium: 1, low: 0, unknown: 0 },
      remaining: { critical: 1, high: 0, medium: 0, low: 0, unknown: 0 },
    });
  });

  it('treats the same id in another package as another finding', () => {
    const delta = vulnerabilityDelta(
      { vulnerabilities: [v('CVE-1', 'openssl', 'high')] },
      { vulnerabilities: [v('CVE-1', 'libssl3', 'high')] },
    );
    assert.equal(delta.fixed.length, 1);
    assert.equal(delta.introduced.length, 1);
  });

  it('maps every scanner spelling of a severity', () => {
    assert.deepEqual(
      ['CRITICAL', 'High', 'medium', 'LOW', 'Negligible', 'UNKNOWN', '', 'weird'].map(
        normaliseSeverity,
      ),
      ['critical', 'high', 'medium', 'low', 'low', 'unknown', 'unknown', 'unknown'],
    );
  });
});
