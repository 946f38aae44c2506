import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isRestackError } from '@restack/core';
import { createGrypeScanner, parseGrypeReport } from './grype.js';
import { createTrivyScanner, parseTrivyReport, parseTrivyVersion } from './trivy.js';

// Compiled to shared/scan/dist: the fixtures are three levels up.
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/scan/', import.meta.url));
const V1 = `registry.example.com/team/app@sha256:${'1'.repeat(64)}`;
const V2 = `registry.example.com/team/app@sha256:${'2'.repeat(64)}`;

async function fixture(name: string): Promise<unknown> {
  return JSON.parse(await readFile(join(FIXTURES, name), 'utf8')) as unknown;
}

describe('Trivy JSON report', () => {
  it('reads findings from every result, one per id and package, worst severity kept', async () => {
    const report = parseTrivyReport(await fixture('trivy-app-v1.json'));
    assert.equal(report.scanner, 'trivy');
    assert.equal(report.scannerVersion, null, 'v1 predates Trivy.Version in reports');
    assert.deepEqual(
      report.vulnerabilities.map((v) => [v.id, v.package, v.severity, v.fixedVersion]),
      [
        ['CVE-2023-45853', 'zlib1g', 'critical', null],
        ['CVE-2024-0727', 'openssl', 'medium', '3.0.13-1~deb12u1'],
        ['CVE-2024-2961', 'libc6', 'high', '2.36-9+deb12u7'],
        ['CVE-2024-33599', 'libc6', 'high', '2.36-9+deb12u7'],
      ],
    );
    assert.equal(report.vulnerabilities[2]?.installedVersion, '2.36-9+deb12u4');
  });

  it('takes the version from the report and the database date from `trivy version`', async () => {
    const version = parseTrivyVersion(await fixture('trivy-version.json'));
    const report = parseTrivyReport(await fixture('trivy-app-v2.json'), version);
    assert.equal(report.scannerVersion, '0.59.1');
    assert.equal(report.databaseUpdatedAt, '2025-02-01T12:13:39.162498171Z');
  });

  it('names the field that is not a report', () => {
    assert.throws(
      () => parseTrivyReport({ Results: [{ Target: 'x', Vulnerabilities: [{ PkgName: 'a' }] }] }),
      (e: unknown) =>
        isRestackError(e) &&
        e.code === 'SCAN_REPORT_INVALID' &&
        /Results\.0\.Vulnerabilities\.0\.VulnerabilityID/.test(e.message),
    );
  });
});

describe('Grype JSON report', () => {
  it('reads matches, fixed versions only when the state is fixed, Negligible as low', async () => {
    const report = parseGrypeReport(await fixture('grype-app-v1.json'));
    assert.equal(report.scanner, 'grype');
    assert.equal(report.scannerVersion, '0.77.0');
    assert.deepEqual(
      report.vulnerabilities.map((v) => [v.id, v.package, v.severity, v.fixedVersion]),
      [
        ['CVE-2011-3374', 'apt', 'low', null],
        ['CVE-2023-45853', 'zlib1g', 'critical', null],
        ['CVE-2024-0727', 'openssl', 'medium', '3.0.13-1~deb12u1'],
        ['CVE-2024-2961', 'libc6', 'high', '2.36-9+deb12u7'],
        ['CVE-2024-33599', 'libc6', 'high', '2.36-9+deb12u7'],
      ],
    );
  });

  it('reads the database build date in both descriptor shapes (schema v5 and v6)', async () => {
    assert.equal(
      parseGrypeReport(await fixture('grype-app-v1.json')).databaseUpdatedAt,
      '2024-05-01T01:31:06Z',
    );
    assert.equal(
      parseGrypeReport(await fixture('grype-app-v2.json')).databaseUpdatedAt,
      '2025-02-01T04:23:47Z',
    );
  });
});

describe('scanners run as subprocesses (fake executables on PATH)', () => {
  let bin: string;
  let log: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    bin = await mkdtemp(join(tmpdir(), 'restack-scan-bin-'));
    log = join(bin, 'calls.log');
    // Each fake prints the fixture for the digest it is asked about, one argument per log line.
    const script = (tool: string, version: string) => `#!/bin/sh
{ echo "--- ${tool}"; for a in "$@"; do echo "$a"; done; env | grep '^GRYPE_REGISTRY' ; } >> "${log}"
case "$1" in version) cat "${FIXTURES}${version}"; exit 0;; esac
case "$*" in
  *fail*) echo "FATAL failed to fetch the image: unauthorized" >&2; exit 3;;
  *garbage*) echo "not json"; exit 0;;
  *sha256:1111*) cat "${FIXTURES}${tool}-app-v1.json";;
  *) cat "${FIXTURES}${tool}-app-v2.json";;
esac
`;
    await writeFile(join(bin, 'trivy'), script('trivy', 'trivy-version.json'));
    await writeFile(join(bin, 'grype'), script('grype', 'none'));
    await chmod(join(bin, 'trivy'), 0o755);
    await chmod(join(bin, 'grype'), 0o755);
    env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
  });

  after(async () => {
    if (bin) await rm(bin, { recursive: true, force: true });
  });

  async function calls(): Promise<string[][]> {
    const text = await readFile(log, 'utf8').catch(() => '');
    await writeFile(log, '');
    return text
      .split('--- ')
      .filter((c) => c !== '')
      .map((c) => c.trim().split('\n'));
  }

  it('runs `trivy image --format json` on the registry image, then `trivy version`', async () => {
    const scanner = createTrivyScanner({ env });
    const report = await scanner.scan(V2, { insecure: true });
    assert.equal(report.vulnerabilities.length, 3);
    assert.equal(report.databaseUpdatedAt, '2025-02-01T12:13:39.162498171Z');
    assert.deepEqual(await calls(), [
      [
        'trivy',
        'image',
        '--format',
        'json',
        '--quiet',
        '--scanners',
        'vuln',
        '--image-src',
        'remote',
        '--insecure',
        V2,
      ],
      ['trivy', 'version', '--format', 'json'],
    ]);
  });

  it('scans against a Trivy server without asking for a local database date', async () => {
    const scanner = createTrivyScanner({ env, server: 'http://trivy.internal:4954' });
    const report = await scanner.scan(V1);
    assert.equal(report.databaseUpdatedAt, null);
    assert.deepEqual(await calls(), [
      [
        'trivy',
        'image',
        '--format',
        'json',
        '--quiet',
        '--scanners',
        'vuln',
        '--image-src',
        'remote',
        '--server',
        'http://trivy.internal:4954',
        V1,
      ],
    ]);
  });

  it('runs `grype -o json registry:<ref>`, plain http through its environment variable', async () => {
    const report = await createGrypeScanner({ env }).scan(V1, { insecure: true });
    assert.equal(report.vulnerabilities.length, 5);
    assert.deepEqual(await calls(), [
      ['grype', '-o', 'json', `registry:${V1}`, 'GRYPE_REGISTRY_INSECURE_USE_HTTP=true'],
    ]);
    await createGrypeScanner({ env }).scan(V1);
    assert.deepEqual(await calls(), [['grype', '-o', 'json', `registry:${V1}`]]);
  });

  it('reports a failing scanner with its stderr, a missing one with how to fix it', async () => {
    await assert.rejects(
      createTrivyScanner({ env }).scan('registry.example.com/fail@sha256:' + '3'.repeat(64)),
      (e: unknown) =>
        isRestackError(e) &&
        e.code === 'SCAN_FAILED' &&
        /exited with code 3:\nFATAL failed to fetch the image: unauthorized/.test(e.message),
    );
    await assert.rejects(
      createGrypeScanner({ env }).scan('registry.example.com/garbage@sha256:' + '3'.repeat(64)),
      (e: unknown) => isRestackError(e) && e.code === 'SCAN_REPORT_INVALID',
    );
    await assert.rejects(
      createTrivyScanner({ env, binary: 'trivy-not-installed' }).scan(V1),
      (e: unknown) =>
        isRestackError(e) &&
        e.code === 'SCAN_TOOL_MISSING' &&
        /scanner\.type: none/.test(e.fix ?? ''),
    );
    await calls();
  });
});
