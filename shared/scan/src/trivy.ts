import { parseReport } from './report-error.js';
import { parseToolJson, runTool } from './run-tool.js';
import { trivyReportSchema, trivyVersionSchema, type TrivyVersion } from './schema.js';
import { normaliseSeverity } from './severity.js';
import {
  dedupeVulnerabilities,
  type ScanOptions,
  type VulnerabilityReport,
  type VulnerabilityScanner,
} from './vulnerability.js';

export interface TrivyOptions {
  /** Default `trivy`, found on PATH. */
  binary?: string;
  /** A Trivy server (`trivy server`) to scan against instead of a local database: `http://trivy:4954`. */
  server?: string;
  /** Default 10 minutes. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** More arguments before the image, e.g. `['--cache-dir', '/var/cache/trivy']`. */
  args?: string[];
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/**
 * `trivy image --format json` for an image in a registry. `--image-src
 * remote` reads it from the registry, never from a local engine.
 * https://trivy.dev/latest/docs/references/configuration/cli/trivy_image/
 */
export function trivyArgs(reference: string, options: TrivyOptions & ScanOptions = {}): string[] {
  return [
    'image',
    '--format',
    'json',
    '--quiet',
    '--scanners',
    'vuln',
    '--image-src',
    'remote',
    ...(options.server ? ['--server', options.server] : []),
    ...(options.insecure ? ['--insecure'] : []),
    ...(options.args ?? []),
    reference,
  ];
}

/** A Trivy JSON report as restack's findings; `version` is `trivy version --format json`, when known. */
export function parseTrivyReport(
  json: unknown,
  version: TrivyVersion | null = null,
): VulnerabilityReport {
  const report = parseReport(trivyReportSchema, json, 'the Trivy report');
  const found = (report.Results ?? []).flatMap((result) =>
    (result.Vulnerabilities ?? []).map((v) => ({
      id: v.VulnerabilityID,
      package: v.PkgName,
      installedVersion: v.InstalledVersion,
      fixedVersion: v.FixedVersion ? v.FixedVersion : null,
      severity: normaliseSeverity(v.Severity),
      publishedAt: v.PublishedDate ?? null,
    })),
  );
  return {
    scanner: 'trivy',
    scannerVersion: report.Trivy?.Version ?? version?.Version ?? null,
    databaseUpdatedAt: version?.VulnerabilityDB?.UpdatedAt ?? null,
    vulnerabilities: dedupeVulnerabilities(found),
  };
}

export function parseTrivyVersion(json: unknown): TrivyVersion {
  return parseReport(trivyVersionSchema, json, 'trivy version --format json');
}

/**
 * The Trivy adapter. With a local database the database date comes from
 * `trivy version --format json` after the scan; a Trivy server does not tell
 * its clients, so with `server` it is null.
 */
export function createTrivyScanner(options: TrivyOptions = {}): VulnerabilityScanner {
  const binary = options.binary ?? 'trivy';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    name: 'trivy',
    async scan(reference, scan = {}) {
      const run = (args: string[]) =>
        runTool(binary, args, { timeoutMs, env: options.env, signal: scan.signal });
      const report = parseToolJson(
        await run(trivyArgs(reference, { ...options, ...scan })),
        'trivy image',
      );
      const version = options.server
        ? null
        : parseTrivyVersion(
            parseToolJson(await run(['version', '--format', 'json']), 'trivy version'),
          );
      return parseTrivyReport(report, version);
    },
  };
}
