import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeReference, parseReference } from './index.js';

const h64 = 'f'.repeat(64);
const h128 = 'e'.repeat(128);

// [input, name, tag, digest]
const valid: Array<[string, string, string | null, string | null]> = [
  ['ubuntu', 'docker.io/library/ubuntu', null, null],
  ['ubuntu:22.04', 'docker.io/library/ubuntu', '22.04', null],
  ['library/ubuntu', 'docker.io/library/ubuntu', null, null],
  ['docker.io/ubuntu', 'docker.io/library/ubuntu', null, null],
  ['index.docker.io/ubuntu:20.04', 'docker.io/library/ubuntu', '20.04', null],
  ['index.docker.io/bitnami/redis', 'docker.io/bitnami/redis', null, null],
  ['bitnami/redis:7', 'docker.io/bitnami/redis', '7', null],
  ['docker.io/library/foo/bar', 'docker.io/library/foo/bar', null, null],
  ['localhost/foo', 'localhost/foo', null, null],
  ['localhost:5000/foo/bar:v1', 'localhost:5000/foo/bar', 'v1', null],
  ['Registry.Example.com/team/app', 'Registry.Example.com/team/app', null, null],
  ['Uppercase/lowercase:tag', 'Uppercase/lowercase', 'tag', null],
  ['test:5000/repo', 'test:5000/repo', null, null],
  ['test.com:5000', 'docker.io/library/test.com', '5000', null],
  ['192.168.1.1:5000/repo:5050', '192.168.1.1:5000/repo', '5050', null],
  ['[2001:db8::1]/repo', '[2001:db8::1]/repo', null, null],
  ['[fc00::1]:5000/team/app:1.0', '[fc00::1]:5000/team/app', '1.0', null],
  ['[::1]:5000/repo', '[::1]:5000/repo', null, null],
  ['ghcr.io/owner/image@sha256:' + h64, 'ghcr.io/owner/image', null, 'sha256:' + h64],
  ['debian:bookworm@sha256:' + h64, 'docker.io/library/debian', 'bookworm', 'sha256:' + h64],
  [
    'xn--7o8h.com/myimage:xn--7o8h.com@sha512:' + h128,
    'xn--7o8h.com/myimage',
    'xn--7o8h.com',
    'sha512:' + h128,
  ],
  ['foo@sha384:' + 'a'.repeat(96), 'docker.io/library/foo', null, 'sha384:' + 'a'.repeat(96)],
  ['a/b__c/d-e--f/g.h_i', 'docker.io/a/b__c/d-e--f/g.h_i', null, null],
  ['lowercase:Uppercase', 'docker.io/library/lowercase', 'Uppercase', null],
  ['foo:' + 'x'.repeat(128), 'docker.io/library/foo', 'x'.repeat(128), null],
  ['foo:_tag', 'docker.io/library/foo', '_tag', null],
  [
    'sub-dom1.foo.com/bar/baz/quux:some-long-tag',
    'sub-dom1.foo.com/bar/baz/quux',
    'some-long-tag',
    null,
  ],
  // The 255 limit counts the path only, not the domain.
  ['example.com/' + 'a/'.repeat(127) + 'a', 'example.com/' + 'a/'.repeat(127) + 'a', null, null],
];

const invalid: Array<[string, RegExp]> = [
  ['', /empty/],
  [':justtag', /invalid reference format/],
  ['@sha256:' + h64, /invalid reference format/],
  ['Ubuntu', /must be lowercase/],
  ['Uppercase:tag', /must be lowercase/],
  ['docker.io/Library/ubuntu', /must be lowercase/],
  ['test:5000/Uppercase/lowercase:tag', /must be lowercase/],
  ['foo:' + 'x'.repeat(129), /128/],
  ['foo:-tag', /tag/],
  ['foo:.tag', /tag/],
  ['foo:ta$g', /tag/],
  ['foo@sha256:' + 'f'.repeat(34), /sha256 digest/],
  ['foo@sha256:' + 'F'.repeat(64), /sha256 digest/],
  ['foo@sha512:' + h64, /sha512 digest/],
  ['foo@sha256:abc', /digest/],
  ['validname@invaliddigest:' + h64, /unsupported digest algorithm/],
  ['a/' + 'a/'.repeat(127) + 'a:tag', /255/],
  ['aa/asdf$$^/aa', /path component/],
  ['foo//bar', /invalid reference format/],
  ['foo/bar/', /invalid reference format/],
  ['foo_/bar', /path component/],
  ['foo___bar', /path component/],
  ['foo..bar', /path component/],
  ['-foo', /path component/],
  ['[2001:db8::1]', /invalid reference format/],
  ['[2001:db8::1]:5000', /invalid reference format/],
  ['[fe80::1%eth0]:5000/repo', /invalid reference format/],
  ['-example.com/foo', /registry host/],
  [h64, /image ID/],
  ['foo bar', /invalid reference format/],
];

describe('parseReference', () => {
  for (const [input, name, tag, digest] of valid) {
    it(`accepts ${input.slice(0, 60)}`, () => {
      const r = parseReference(input);
      assert.ok(r.ok, r.ok ? '' : r.error);
      assert.equal(r.ref.name, name);
      assert.equal(r.ref.tag, tag);
      assert.equal(r.ref.digest, digest);
    });
  }
  for (const [input, error] of invalid) {
    it(`rejects ${JSON.stringify(input.slice(0, 60))}`, () => {
      const r = parseReference(input);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, error);
    });
  }
  it('accepts a 64-hex name when it has a domain', () => {
    const r = parseReference(`example.com/${h64}`);
    assert.ok(r.ok);
  });
});

describe('describeReference', () => {
  it('gives the familiar form, domain, path and effective tag', () => {
    assert.deepEqual(describeReference('ubuntu'), {
      input: 'ubuntu',
      valid: true,
      name: 'docker.io/library/ubuntu',
      familiar: 'ubuntu',
      domain: 'docker.io',
      path: 'library/ubuntu',
      tag: null,
      digest: null,
      effectiveTag: 'latest',
      error: null,
    });
  });
  it('keeps nested library paths in the familiar form', () => {
    assert.equal(describeReference('docker.io/library/foo/bar').familiar, 'library/foo/bar');
    assert.equal(describeReference('bitnami/redis').familiar, 'bitnami/redis');
    assert.equal(describeReference('localhost:5000/x').familiar, 'localhost:5000/x');
  });
  it('has no effective tag for a digest-only reference', () => {
    const d = describeReference('alpine@sha256:' + h64);
    assert.equal(d.effectiveTag, null);
    assert.equal(d.tag, null);
  });
  it('reports an invalid reference with nulls and a sentence', () => {
    const d = describeReference('UPPER');
    assert.equal(d.valid, false);
    assert.equal(d.name, null);
    assert.match(d.error ?? '', /lowercase/);
  });
});
