import { errorMessage, silentLogger, type Logger } from '@restack/core';
import {
  diffInventories,
  readImage,
  readInventory,
  verifyBase,
  type ImageSource,
  type InventoryDiff,
} from '@restack/inventory';
import { parseReference } from '@restack/reference';
import { vulnerabilityDelta, type VulnerabilityDelta } from './delta.js';
import { countBySeverity, type SeverityCounts } from './severity.js';
import type { VulnerabilityReport, VulnerabilityScanner } from './vulnerability.js';

export interface RescanPorts {
  /** Reads manifests, configs and layers (an @restack/inventory ImageSource). */
  images: ImageSource;
  /** null: no vulnerability scan, only verification and the inventory. */
  scanner: VulnerabilityScanner | null;
  /** Registries the scanner must reach over plain http. */
  insecure?: (host: string) => boolean;
  logger?: Logger;
}

export interface RescanRequest {
  /** The repository without tag: `registry.example/team/app`. */
  image: string;
  /** The rebuilt image's manifest digest. */
  digest: string;
  /** The base it must contain: as named, and the digest it was pinned to. null: nothing to verify. */
  base: { ref: string; digest: string } | null;
  /** The image's digest before the rebuild, for the package and vulnerability deltas. */
  previousDigest: string | null;
  /** The previous image's report when a stored scan has it, so it is not scanned again. */
  previousReport?: VulnerabilityReport | null;
  /** For an image index: which platform. Default linux/amd64. */
  platform?: string;
  signal?: AbortSignal;
}

export interface BaseCheck {
  /** null when there is no base to verify against. */
  verified: boolean | null;
  baseRef: string | null;
  baseDigest: string | null;
  /** Why verification failed; empty when it passed. */
  reasons: string[];
}

export interface VulnerabilityScan {
  report: VulnerabilityReport;
  counts: SeverityCounts;
  /** The previous image's scan, when there was one to compare with. */
  previous: Pick<VulnerabilityReport, 'scannerVersion' | 'databaseUpdatedAt'> | null;
  delta: VulnerabilityDelta | null;
}

export interface RescanResult {
  image: string;
  digest: string;
  verification: BaseCheck;
  previousDigest: string | null;
  /** null when there is no previous image to compare with. */
  packages: InventoryDiff | null;
  packageCount: number;
  /** null without a scanner, or when the scan failed (see `scanError`). */
  vulnerabilities: VulnerabilityScan | null;
  scanError: string | null;
  /** What could not be done, and why. */
  notes: string[];
}

/**
 * Everything restack checks after a rebuild: that the new base is inside
 * the image (its layers and its base-digest label), which packages changed
 * since the previous image, and, with a scanner, which vulnerabilities the
 * rebuild fixed or introduced. Registry failures reading the rebuilt image
 * or its base are thrown (the caller retries); a missing previous image or a
 * failing scanner become notes.
 */
export async function rescanImage(
  ports: RescanPorts,
  request: RescanRequest,
): Promise<RescanResult> {
  const log = ports.logger ?? silentLogger();
  const options = request.platform ? { platform: request.platform } : {};
  const reference = `${request.image}@${request.digest}`;
  const notes: string[] = [];
  const rebuilt = await readInventory(ports.images, reference, options);
  const verification = await checkBase(ports.images, rebuilt.config, request.base, options);

  let packages: InventoryDiff | null = null;
  if (request.previousDigest === null) {
    notes.push('no previous image is known, so there is no package difference');
  } else if (request.previousDigest === request.digest) {
    packages = diffInventories(rebuilt.packages, rebuilt.packages);
  } else {
    try {
      const before = await readInventory(
        ports.images,
        `${request.image}@${request.previousDigest}`,
        options,
      );
      packages = diffInventories(before.packages, rebuilt.packages);
    } catch (e) {
      notes.push(
        `the previous image ${request.previousDigest} could not be read: ${errorMessage(e)}`,
      );
    }
  }

  let vulnerabilities: VulnerabilityScan | null = null;
  let scanError: string | null = null;
  if (ports.scanner) {
    try {
      vulnerabilities = await scanVulnerabilities(ports, request, reference, notes);
    } catch (e) {
      scanError = errorMessage(e);
      log.error(
        { image: reference, scanner: ports.scanner.name, error: scanError },
        'vulnerability scan failed',
      );
    }
  }
  return {
    image: request.image,
    digest: request.digest,
    verification,
    previousDigest: request.previousDigest,
    packages,
    packageCount: rebuilt.packages.length,
    vulnerabilities,
    scanError,
    notes,
  };
}

async function checkBase(
  images: ImageSource,
  child: Parameters<typeof verifyBase>[0],
  base: RescanRequest['base'],
  options: { platform?: string },
): Promise<BaseCheck> {
  if (base === null) return { verified: null, baseRef: null, baseDigest: null, reasons: [] };
  const parsed = parseReference(base.ref);
  if (!parsed.ok) {
    return {
      verified: false,
      baseRef: base.ref,
      baseDigest: base.digest,
      reasons: [`the base "${base.ref}" is not an image reference: ${parsed.error}`],
    };
  }
  const baseImage = await readImage(images, `${parsed.ref.name}@${base.digest}`, options);
  const result = verifyBase(child, baseImage.config, base.digest);
  return {
    verified: result.verified,
    baseRef: base.ref,
    baseDigest: base.digest,
    reasons: result.reasons,
  };
}

async function scanVulnerabilities(
  ports: RescanPorts,
  request: RescanRequest,
  reference: string,
  notes: string[],
): Promise<VulnerabilityScan> {
  const scanner = ports.scanner!;
  const parsed = parseReference(request.image);
  const host = parsed.ok ? parsed.ref.domain : '';
  const scanOptions = { insecure: ports.insecure?.(host) ?? false, signal: request.signal };
  const report = await scanner.scan(reference, scanOptions);
  let previous: VulnerabilityReport | null = request.previousReport ?? null;
  const before = request.previousDigest;
  if (previous === null && before !== null && before !== request.digest) {
    try {
      previous = await scanner.scan(`${request.image}@${before}`, scanOptions);
    } catch (e) {
      notes.push(`the previous image ${before} could not be scanned: ${errorMessage(e)}`);
    }
  }
  return {
    report,
    counts: countBySeverity(report.vulnerabilities),
    previous: previous
      ? { scannerVersion: previous.scannerVersion, databaseUpdatedAt: previous.databaseUpdatedAt }
      : null,
    delta: previous ? vulnerabilityDelta(previous, report) : null,
  };
}
