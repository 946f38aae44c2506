import type { TypedKv } from '@restack/bus';
import type { EventOf } from '@restack/events';
import type { ScanSummary } from '@restack/lifecycle';
import type { TagHistory } from './schema.js';
import { keepNewerScan } from './scans.js';
import { recordSighting } from './sightings.js';

/** A tag moved: remember when restack first saw the new digest (and that the old one came before). */
export async function onDigestChanged(
  event: EventOf<'restack.digest.changed'>,
  sightings: TypedKv<TagHistory>,
): Promise<void> {
  const d = event.data;
  await recordSighting(sightings, d.ref, d.digest, d.firstSeenAt, d.previousDigest);
}

/** A scan finished: keep its counts for maxVulnerabilities (a newer scan of a digest replaces an older one). */
export async function onScanCompleted(
  event: EventOf<'restack.scan.completed'>,
  scans: TypedKv<ScanSummary>,
): Promise<void> {
  const d = event.data;
  const summary: ScanSummary = {
    image: d.image,
    digest: d.digest,
    scanner: d.scanner,
    scannedAt: event.occurredAt,
    counts: d.vulnerabilities,
    ...(d.fixes ? { fixes: d.fixes } : {}),
  };
  await keepNewerScan(scans, summary);
}
