import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventData } from '@restack/events';
import { commitMessage, prBody, prTitle, scanSection, withScan } from './body.js';

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

const request: EventData<'restack.pr.requested'> = {
  campaignId: 'c7',
  targetId: 'app',
  repository: 'acme/app',
  dockerfile: 'Dockerfile',
  dockerfiles: ['Dockerfile', 'worker/Dockerfile'],
  baseRef: 'debian:bookworm',
  fromDigest: D(1),
  toDigest: D(2),
  context: {
    reason: 'end-of-life',
    trigger: 'debian:bookworm',
    firstSeenAt: '2026-01-05T10:00:00Z',
    wave: 0,
    waves: 3,
    downstream: ['reg.example/team/web:1'],
  },
};

describe('pull request text', () => {
  it('says what moved, when, why, in which campaign and wave, and what rebuilds next', () => {
    const body = prBody(request);
    assert.match(body, /`Dockerfile`, `worker\/Dockerfile`/);
    assert.match(body, new RegExp(`Old digest \\| \`${D(1)}\``));
    assert.match(body, new RegExp(`New digest \\| \`${D(2)}\``));
    assert.match(body, /first seen \| 2026-01-05T10:00:00Z/);
    assert.match(body, /end of life/);
    assert.match(body, /`c7`, wave 1 of 3/);
    assert.match(body, /- `reg.example\/team\/web:1`/);
    assert.equal(prTitle(request), 'Rebuild on debian:bookworm (sha256:000000000000)');
  });

  it('fills the commit-message template', () => {
    assert.equal(
      commitMessage('bump {ref} to {digest} in {files} [{campaign}] {unknown}', request),
      `bump debian:bookworm to ${D(2)} in Dockerfile, worker/Dockerfile [c7] {unknown}`,
    );
  });

  it('replaces the scan section and keeps the rest', () => {
    const scan = scanSection({
      image: 'reg.example/team/app:1',
      digest: D(3),
      scanner: 'trivy',
      baseVerified: false,
      vulnerabilities: { critical: 1, high: 0, medium: 0, low: 0, unknown: 0 },
    });
    const once = withScan(prBody(request), scan);
    assert.match(once, /new base is NOT in the image; vulnerabilities: 1 critical/);
    assert.doesNotMatch(once, /pending the scan/);
    assert.equal(withScan(once, scan), once);
  });
});
