import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalisePlatform, platformDigests, platformKey } from './manifest.js';

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

describe('platformKey', () => {
  it('normalises as containerd does', () => {
    assert.equal(platformKey('linux', 'amd64'), 'linux/amd64');
    assert.equal(platformKey('linux', 'amd64', 'v1'), 'linux/amd64');
    assert.equal(platformKey('linux', 'arm64'), 'linux/arm64/v8');
    assert.equal(platformKey('linux', 'aarch64', '8'), 'linux/arm64/v8');
    assert.equal(platformKey('linux', 'arm'), 'linux/arm/v7');
    assert.equal(platformKey('linux', 'arm', '6'), 'linux/arm/v6');
    assert.equal(platformKey('linux', 'x86_64'), 'linux/amd64');
    assert.equal(platformKey('windows', 'amd64'), 'windows/amd64');
    assert.equal(normalisePlatform('linux/arm64'), 'linux/arm64/v8');
  });
});

describe('platformDigests', () => {
  it('keys manifests by platform, skips attestations, keeps the first duplicate', () => {
    const mt = 'application/vnd.oci.image.manifest.v1+json';
    const index = {
      schemaVersion: 2 as const,
      manifests: [
        { mediaType: mt, digest: d(1), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
        {
          mediaType: mt,
          digest: d(2),
          size: 1,
          platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
        },
        { mediaType: mt, digest: d(3), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
        {
          mediaType: mt,
          digest: d(4),
          size: 1,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
        },
        { mediaType: mt, digest: d(5), size: 1 },
      ],
    };
    assert.deepEqual(platformDigests(index), { 'linux/amd64': d(1), 'linux/arm64/v8': d(2) });
  });
});
