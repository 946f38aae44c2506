import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InstalledPackage } from '@restack/inventory';
import { exposureOf } from './exposure.js';
import { fixableByBase, type BaseState } from './fixable.js';
import { scannerSettingsSchema } from './settings.js';
import type { Vulnerability } from './vulnerability.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

function base(packages: InstalledPackage[] | null, over: Partial<BaseState> = {}): BaseState {
  return {
    ref: 'debian:bookworm',
    source: 'label',
    builtOn: D1,
    current: D2,
    newer: true,
    packages,
    findings: null,
    notes: [],
    ...over,
  };
}

const openssl: Vulnerability = {
  id: 'CVE-2024-0727',
  package: 'openssl',
  installedVersion: '3.0.11-1~deb12u2',
  fixedVersion: '3.0.13-1~deb12u1',
  severity: 'medium',
};
const dpkg = (name: string, version: string): InstalledPackage => ({
  name,
  version,
  source: 'dpkg',
});

describe('fixable by the base', () => {
  it('is fixable when the newer base has the fixed version or later (dpkg ordering)', () => {
    for (const version of ['3.0.13-1~deb12u1', '3.0.13-1', '1:3.0.0-1']) {
      const v = fixableByBase(openssl, base([dpkg('openssl', version)]));
      assert.equal(v.fixable, true, version);
      assert.equal(v.baseVersion, version);
    }
  });

  it('is not fixable when the newer base still has an older version (~ sorts first)', () => {
    for (const version of ['3.0.13~rc1-1', '3.0.11-1~deb12u2', '3.0.13-1~deb12u0']) {
      const v = fixableByBase(openssl, base([dpkg('openssl', version)]));
      assert.equal(v.fixable, false, version);
      assert.match(v.reason, /before the fixed version/);
    }
  });

  it('uses apk ordering for Alpine packages', () => {
    const v = { ...openssl, fixedVersion: '3.1.4-r5' };
    const apk = (version: string): InstalledPackage[] => [
      { name: 'openssl', version, source: 'apk' },
    ];
    assert.equal(fixableByBase(v, base(apk('3.1.4-r10'))).fixable, true);
    assert.equal(fixableByBase(v, base(apk('3.1.4-r4'))).fixable, false);
  });

  it('trusts a scan of the newer base that no longer shows the finding', () => {
    const clean = base([dpkg('openssl', '3.0.11-1~deb12u3')], { findings: new Set() });
    const v = fixableByBase({ ...openssl, fixedVersion: null }, clean);
    assert.equal(v.fixable, true);
    assert.equal(v.baseScanShows, false);
  });

  it('is not fixable when the base has not moved, lacks the package, or is unknown', () => {
    assert.match(
      fixableByBase(openssl, base(null, { newer: false })).reason,
      /no newer digest yet; a fix exists upstream/,
    );
    assert.match(fixableByBase(openssl, base([dpkg('libc6', '2.36-9')])).reason, /not in the base/);
    assert.equal(fixableByBase(openssl, null).fixable, false);
  });

  it('finds a package dpkg lists with its architecture', () => {
    const v = fixableByBase(openssl, base([dpkg('openssl:amd64', '3.0.13-1~deb12u1')]));
    assert.equal(v.fixable, true);
  });
});

describe('exposure', () => {
  const now = new Date('2024-03-01T12:00:00Z');

  it('counts days since the advisory and since the report dated the fix', () => {
    const e = exposureOf(
      { ...openssl, publishedAt: '2024-01-26T09:15:07Z', fixedAt: '2024-02-20T00:00:00Z' },
      now,
      '2024-02-25T00:00:00.000Z',
    );
    assert.equal(e.daysSinceAdvisory, 35);
    assert.deepEqual(e.fixSince, { at: '2024-02-20T00:00:00.000Z', source: 'report' });
    assert.equal(e.daysSinceFix, 10);
  });

  it('falls back to when restack first saw the fix; no fix, no days', () => {
    const e = exposureOf(openssl, now, '2024-02-25T00:00:00.000Z');
    assert.equal(e.daysSinceAdvisory, null);
    assert.deepEqual(e.fixSince, { at: '2024-02-25T00:00:00.000Z', source: 'first-seen' });
    assert.equal(e.daysSinceFix, 5);
    const none = exposureOf({ ...openssl, fixedVersion: null }, now, null);
    assert.equal(none.fixSince, null);
    assert.equal(none.daysSinceFix, null);
  });
});

describe('scanner.rescan settings', () => {
  it('defaults to daily at 03:00 UTC', () => {
    const s = scannerSettingsSchema.parse({ type: 'grype', rescan: {} });
    assert.ok(s.type === 'grype' && s.rescan?.cron === '0 3 * * *' && s.rescan.enabled);
  });

  it('names the field of a bad cron and of a schedule without a scanner', () => {
    const bad = scannerSettingsSchema.safeParse({ type: 'trivy', rescan: { cron: '61 * * * *' } });
    assert.ok(!bad.success);
    assert.deepEqual(bad.error.issues[0]?.path, ['rescan', 'cron']);
    assert.match(bad.error.issues[0]!.message, /five fields/);
    const none = scannerSettingsSchema.safeParse({ type: 'none', rescan: { cron: '0 3 * * *' } });
    assert.ok(!none.success);
    assert.deepEqual(none.error.issues[0]?.path, ['rescan']);
    assert.match(none.error.issues[0]!.message, /needs a vulnerability scanner/);
  });
});
