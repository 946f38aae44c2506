import type { InventoryDiff } from '@restack/inventory';
import type { RescanResult, SeverityCounts, Vulnerability } from '@restack/scan';

/** What `restack rebuild` prints for one target, in build order. */
export interface TargetReport {
  /** The Dockerfile, relative to the config folder. */
  dockerfile: string;
  /** The repository pushed; null when the catalog names no image for the Dockerfile. */
  image: string | null;
  tags: string[];
  /** The pushed manifest digest; null when nothing was pushed. */
  digest: string | null;
  /** The first tag's digest before the rebuild; null when it did not exist. */
  previousDigest: string | null;
  /** The base the image must contain (the changed image, or a rebuilt parent), and its digest. */
  baseRef: string | null;
  baseDigest: string | null;
  /** true: the base is inside; false: it is not (see reasons); null: nothing to verify or not built. */
  verified: boolean | null;
  reasons: string[];
  packages: InventoryDiff | null;
  vulnerabilities: VulnerabilitySummary | null;
  notes: string[];
  error: string | null;
}

export interface VulnerabilitySummary {
  scanner: string;
  scannerVersion: string | null;
  databaseUpdatedAt: string | null;
  counts: SeverityCounts;
  /** Against the image before the rebuild; null when there was none. */
  delta: {
    fixed: Vulnerability[];
    introduced: Vulnerability[];
    counts: { fixed: SeverityCounts; introduced: SeverityCounts; remaining: SeverityCounts };
    previousDatabaseUpdatedAt: string | null;
  } | null;
}

export function emptyReport(
  dockerfile: string,
  image: string | null,
  tags: string[],
): TargetReport {
  return {
    dockerfile,
    image,
    tags,
    digest: null,
    previousDigest: null,
    baseRef: null,
    baseDigest: null,
    verified: null,
    reasons: [],
    packages: null,
    vulnerabilities: null,
    notes: [],
    error: null,
  };
}

export function summariseVulnerabilities(
  scan: RescanResult['vulnerabilities'],
): VulnerabilitySummary | null {
  if (!scan) return null;
  return {
    scanner: scan.report.scanner,
    scannerVersion: scan.report.scannerVersion,
    databaseUpdatedAt: scan.report.databaseUpdatedAt,
    counts: scan.counts,
    delta: scan.delta
      ? {
          fixed: scan.delta.fixed,
          introduced: scan.delta.introduced,
          counts: scan.delta.counts,
          previousDatabaseUpdatedAt: scan.previous?.databaseUpdatedAt ?? null,
        }
      : null,
  };
}
