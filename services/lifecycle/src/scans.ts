import { encodeKvKey, type TypedKv } from '@restack/bus';
import type { ScanSummary } from '@restack/lifecycle';

/**
 * Stores a digest's scan summary unless a newer one is there. On a tie the
 * summary with fix dates (restack.image.vulnerable) wins over one without
 * (restack.scan.completed), so `maxDaysSinceFix` keeps what it judges by.
 */
export async function keepNewerScan(
  scans: TypedKv<ScanSummary>,
  summary: ScanSummary,
): Promise<void> {
  await scans.mutate(encodeKvKey(summary.digest), (current) => {
    if (!current || current.scannedAt < summary.scannedAt) return summary;
    if (current.scannedAt > summary.scannedAt) return undefined;
    return summary.fixes !== undefined ? summary : undefined;
  });
}
