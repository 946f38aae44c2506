import { parseReport } from './report-error.js';
import { parseToolJson, runTool } from './run-tool.js';
import { grypeReportSchema } from './schema.js';
import { normaliseSeverity } from './severity.js';
import {
  dedupeVulnerabilities,
  type ScanOptions,
  type VulnerabilityReport,
  type VulnerabilityScanner,
} from './vulnerability.js';

export interface GrypeOptions {
  /** Default `grype`, found on PATH. */
  binary?: string;
  /** Default 10 minutes. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** More arguments before the image. */
  args?: string[];
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/**
 * `grype -o json registry:<ref>`: the `registry:` scheme reads the image
 * from the registry, never from a local engine.
 * https://github.com/anchore/grype#supported-sources
 */
export function grypeArgs(reference: string, options: GrypeOptions = {}): string[] {
  return ['-o', 'json', ...(options.args ?? []), `registry:${reference}`];
}

/** A Grype JSON document as restack's findings. */
export function parseGrypeReport(json: unknown): VulnerabilityReport {
  const report = parseReport(grypeReportSchema, json, 'the Grype report');
  const found = report.matches.map((m) => {
    const fix = m.vulnerability.fix;
    const fixed = fix?.state === 'fixed' ? (fix.versions?.[0] ?? null) : null;
    const available = fix?.available?.find((a) => a.version === fixed) ?? fix?.available?.[0];
    return {
      id: m.vulnerability.id,
      package: m.artifact.name,
      installedVersion: m.artifact.version,
      fixedVersion: fixed,
      severity: normaliseSeverity(m.vulnerability.severity),
      fixedAt: fixed !== null ? (available?.date ?? null) : null,
    };
  });
  const db = report.descriptor?.db;
  return {
    scanner: 'grype',
    scannerVersion: report.descriptor?.version ?? null,
    databaseUpdatedAt: db?.status?.built ?? db?.built ?? null,
    vulnerabilities: dedupeVulnerabilities(found),
  };
}

/** The Grype adapter; plain-http registries through GRYPE_REGISTRY_INSECURE_USE_HTTP. */
export function createGrypeScanner(options: GrypeOptions = {}): VulnerabilityScanner {
  const binary = options.binary ?? 'grype';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    name: 'grype',
    async scan(reference, scan: ScanOptions = {}) {
      const env = {
        ...(options.env ?? process.env),
        ...(scan.insecure ? { GRYPE_REGISTRY_INSECURE_USE_HTTP: 'true' } : {}),
      };
      const out = await runTool(binary, grypeArgs(reference, options), {
        timeoutMs,
        env,
        signal: scan.signal,
      });
      return parseGrypeReport(parseToolJson(out, 'grype'));
    },
  };
}
