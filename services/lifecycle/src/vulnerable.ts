import type { TypedKv } from '@restack/bus';
import type { EventOf } from '@restack/events';
import type { ScanSummary } from '@restack/lifecycle';
import { keepNewerScan } from './scans.js';

/**
 * restack.image.vulnerable -> the image's scan summary with the dates its
 * fixes became available, so that `maxDaysSinceFix` can judge it. Kept by
 * digest, like scan.completed; the newer scan wins.
 */
export async function onImageVulnerable(
  event: EventOf<'restack.image.vulnerable'>,
  scans: TypedKv<ScanSummary>,
): Promise<void> {
  const d = event.data;
  const summary: ScanSummary = {
    image: d.image,
    digest: d.digest,
    scanner: d.scanner,
    scannedAt: d.scannedAt,
    counts: d.counts,
    fixes: d.findings.flatMap((f) =>
      f.fixSince
        ? [{ id: f.id, package: f.package, severity: f.severity, fixSince: f.fixSince.at }]
        : [],
    ),
  };
  await keepNewerScan(scans, summary);
}
