import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffInventories } from './diff.js';
import type { InstalledPackage } from './package.js';
import { verifyBase } from './verify.js';

const dpkg = (name: string, version: string): InstalledPackage => ({
  name,
  version,
  source: 'dpkg',
});
const apk = (name: string, version: string): InstalledPackage => ({ name, version, source: 'apk' });

describe('diffInventories', () => {
  it('names added, removed, upgraded and downgraded packages, sorted', () => {
    const before = [
      dpkg('openssl', '3.0.11-1~deb12u2'),
      dpkg('libc6', '2.36-9'),
      dpkg('curl', '7.88.1-10'),
      dpkg('zlib1g', '1:1.2.13'),
    ];
    const after = [
      dpkg('openssl', '3.0.11-1'),
      dpkg('libc6', '2.36-9+deb12u1'),
      dpkg('zlib1g', '1:1.2.12'),
      dpkg('tzdata', '2024a-0'),
    ];
    assert.deepEqual(diffInventories(before, after), {
      added: [{ name: 'tzdata', version: '2024a-0' }],
      removed: [{ name: 'curl', version: '7.88.1-10' }],
      upgraded: [
        { name: 'libc6', from: '2.36-9', to: '2.36-9+deb12u1' },
        { name: 'openssl', from: '3.0.11-1~deb12u2', to: '3.0.11-1' },
      ],
      downgraded: [{ name: 'zlib1g', from: '1:1.2.13', to: '1:1.2.12' }],
    });
  });

  it('orders apk versions the apk way, and treats equal versions as unchanged', () => {
    const diff = diffInventories(
      [apk('musl', '1.2.4_rc1-r0'), apk('busybox', '1.36.1-r15'), dpkg('x', '1.01')],
      [apk('musl', '1.2.4-r0'), apk('busybox', '1.36.1-r15'), dpkg('x', '1.1')],
    );
    assert.deepEqual(diff.upgraded, [{ name: 'musl', from: '1.2.4_rc1-r0', to: '1.2.4-r0' }]);
    assert.deepEqual([diff.added, diff.removed, diff.downgraded], [[], [], []]);
  });
});

describe('verifyBase', () => {
  const base = { rootfs: { diff_ids: ['sha256:a', 'sha256:b'] } };
  const digest = `sha256:${'1'.repeat(64)}`;
  const labelled = (diffIds: string[], label?: string) => ({
    rootfs: { diff_ids: diffIds },
    config: { Labels: label ? { 'org.opencontainers.image.base.digest': label } : null },
  });

  it('passes when the child starts with the base layers and names the base digest', () => {
    assert.deepEqual(
      verifyBase(labelled(['sha256:a', 'sha256:b', 'sha256:c'], digest), base, digest),
      {
        verified: true,
        reasons: [],
      },
    );
  });

  it('fails when a base layer differs, naming which one', () => {
    const result = verifyBase(
      labelled(['sha256:a', 'sha256:old', 'sha256:c'], digest),
      base,
      digest,
    );
    assert.equal(result.verified, false);
    assert.match(result.reasons.join('\n'), /layer 2 of the child is sha256:old/);
  });

  it('fails when the child has fewer layers than the base', () => {
    const result = verifyBase(labelled(['sha256:a'], digest), base, digest);
    assert.match(result.reasons.join('\n'), /fewer than the base's 2/);
  });

  it('fails when the label is missing or names another digest', () => {
    assert.match(
      verifyBase(labelled(['sha256:a', 'sha256:b']), base, digest).reasons.join(),
      /no org\.opencontainers\.image\.base\.digest label/,
    );
    const other = `sha256:${'2'.repeat(64)}`;
    const result = verifyBase(labelled(['sha256:a', 'sha256:b'], other), base, digest);
    assert.deepEqual(result.reasons, [
      `the child's org.opencontainers.image.base.digest label is ${other}, not the base digest ${digest}`,
    ]);
  });
});
