import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseApkInstalled } from './apk.js';
import { parseDpkgStatus, qualifyMultiArch } from './dpkg.js';

// Abridged from a Debian 12 image's /var/lib/dpkg/status.
const DPKG_STATUS = `Package: base-files
Essential: yes
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 340
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Multi-Arch: foreign
Version: 12.4+deb12u5
Replaces: base, dpkg (<= 1.15.0), miscutils
Provides: base
Pre-Depends: awk
Breaks: debian-security-support (<< 2019.04.25), initscripts (<< 2.88dsf-13.3)
Conffiles:
 /etc/debian_version 50c7f1dd4d8a6fd5e7a0e5c5c8c7f3b1
 /etc/host.conf 4eb63731c9f5e30903ac4fc07a7fe3d6
Description: Debian base system miscellaneous files
 This package contains the basic filesystem hierarchy of a Debian system, and
 several important miscellaneous files.
Homepage: https://tracker.debian.org/pkg/base-files

Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12986
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u7
Depends: libgcc-s1
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.

Package: libc6
Status: install ok installed
Architecture: i386
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u7

Package: old-removed
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: purged
Status: purge ok not-installed
Architecture: amd64

Package: half
Status: install reinstreq half-installed
Architecture: amd64
Version: 3.0-1

Package: unpacked-only
Status: install ok unpacked
Architecture: all
Version: 0.5-2
`;

// A distroless status.d file: no Status field.
const DISTROLESS = `Package: tzdata
Version: 2024a-0+deb12u1
Architecture: all
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Installed-Size: 2581
Section: localization
Priority: required
Description: time zone and daylight-saving time data
`;

// Abridged from an Alpine 3.19 image's /lib/apk/db/installed.
const APK_INSTALLED = `C:Q1GcwjsJ9zM6ZbYCgRyr4KZEdtXlc=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:407137
I:667648
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1705084016
c:25fd2f44d4bc2d5a6bd5b41a6a7f5c3bf1b4e1c1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1n8pKpS3dOb1qJv1gJWBXt+6LsaQ=

C:Q1nZ0p+w5XBXlbjOh8z4pYmYBSHx0=
P:busybox
V:1.36.1-r15
A:x86_64
S:509248
I:936960
T:Size optimized toolbox of many common UNIX utilities
D:so:libc.musl-x86_64.so.1
F:bin
R:busybox

P:broken-without-version
A:x86_64
`;

describe('parseDpkgStatus', () => {
  it('lists installed packages with their versions, skipping removed and broken ones', () => {
    const packages = parseDpkgStatus(DPKG_STATUS);
    assert.deepEqual(
      packages.map((p) => [p.name, p.version, p.architecture]),
      [
        ['base-files', '12.4+deb12u5', 'amd64'],
        ['libc6', '2.36-9+deb12u7', 'amd64'],
        ['libc6', '2.36-9+deb12u7', 'i386'],
        ['unpacked-only', '0.5-2', 'all'],
      ],
    );
    assert.ok(packages.every((p) => p.source === 'dpkg'));
  });

  it('names multi-arch packages name:arch, others stay bare', () => {
    const names = qualifyMultiArch(parseDpkgStatus(DPKG_STATUS)).map((p) => p.name);
    assert.deepEqual(names, ['base-files', 'libc6:amd64', 'libc6:i386', 'unpacked-only']);
  });

  it('reads distroless status.d files, which have no Status field', () => {
    assert.deepEqual(parseDpkgStatus(DISTROLESS), [
      { name: 'tzdata', version: '2024a-0+deb12u1', source: 'dpkg', architecture: 'all' },
    ]);
  });

  it('survives CRLF line ends and garbage', () => {
    const text = 'Package: a\r\nVersion: 1\r\n\r\nnot a field\n\x00\x01\nPackage: b\nVersion: 2\n';
    assert.deepEqual(
      parseDpkgStatus(text).map((p) => p.name),
      ['a', 'b'],
    );
    assert.deepEqual(parseDpkgStatus(''), []);
  });
});

describe('parseApkInstalled', () => {
  it('lists packages from the installed database', () => {
    assert.deepEqual(parseApkInstalled(APK_INSTALLED), [
      { name: 'musl', version: '1.2.4_git20230717-r4', source: 'apk', architecture: 'x86_64' },
      { name: 'busybox', version: '1.36.1-r15', source: 'apk', architecture: 'x86_64' },
    ]);
  });
});
