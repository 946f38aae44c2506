import { createEvent, stableEventId, type EventOf, type RestackEvent } from '@restack/events';
import { RestackError } from '@restack/core';
import { emptyCounts } from '@restack/scan';
import type { Delivery, ScannerPorts, StoredScan } from './ports.js';

type ImageRebuilt = EventOf<'restack.image.rebuilt'>;

/**
 * restack.image.rebuilt -> restack.scan.completed. Proves the new base is
 * inside the rebuilt image (a rebuild that did not pick it up is logged as
 * an error and reported with baseVerified false), compares its packages and
 * vulnerabilities with the image it replaced (the last one scanned under the
 * same name), and keeps the whole result for the dashboard and PR bodies.
 * A scan already kept for the digest is reported again as it was.
 */
export async function handleImageRebuilt(
  event: ImageRebuilt,
  ports: ScannerPorts,
  delivery: Delivery,
): Promise<RestackEvent[]> {
  const d = event.data;
  const log = delivery.log.child({ image: d.image, digest: d.digest });
  const known = await ports.store.get(d.image, d.digest);
  if (known && known.campaignId === d.campaignId) {
    log.info({}, 'already scanned; sending its event again');
    return [known.event];
  }
  // The image this rebuild replaced: what the builder read from the registry before
  // pushing, else the last one scanned under the same name.
  const latest = await ports.store.latest(d.image);
  const fromEvent = d.previousDigest;
  const before =
    fromEvent !== undefined
      ? fromEvent === null || fromEvent === d.digest
        ? null
        : await ports.store.get(d.image, fromEvent)
      : latest && latest.digest !== d.digest
        ? latest
        : null;
  const previousDigest =
    fromEvent !== undefined
      ? fromEvent === d.digest
        ? null
        : fromEvent
      : (before?.digest ?? latest?.previousDigest ?? null);
  const result = await ports.rescan({
    image: d.image,
    digest: d.digest,
    base: { ref: d.baseRef, digest: d.baseDigest },
    previousDigest,
    previousReport: before?.vulnerabilities?.report ?? null,
    ...(delivery.signal ? { signal: delivery.signal } : {}),
  });
  if (result.scanError !== null && delivery.attempt < delivery.maxAttempts) {
    throw new RestackError('SCANNER_RETRY', `the vulnerability scan failed: ${result.scanError}`, {
      where: d.image,
    });
  }
  const verified = result.verification.verified === true;
  const fixes =
    result.vulnerabilities && ports.datedFixes
      ? await ports.datedFixes(result.vulnerabilities.report.vulnerabilities, ports.clock())
      : undefined;
  if (!verified) {
    log.error(
      {
        baseRef: d.baseRef,
        baseDigest: d.baseDigest,
        reasons: result.verification.reasons,
        campaignId: d.campaignId,
      },
      'base verification failed: the rebuilt image does not contain the new base',
    );
  }
  const completed = createEvent(
    'restack.scan.completed',
    {
      image: d.image,
      digest: d.digest,
      campaignId: d.campaignId,
      scanner: result.vulnerabilities ? result.vulnerabilities.report.scanner : 'none',
      baseDigest: d.baseDigest,
      baseVerified: verified,
      vulnerabilities: result.vulnerabilities?.counts ?? emptyCounts(),
      verification: result.verification,
      previousDigest: result.previousDigest,
      packages: result.packages,
      vulnerabilityDelta: result.vulnerabilities?.delta?.counts ?? null,
      databaseUpdatedAt: result.vulnerabilities?.report.databaseUpdatedAt ?? null,
      ...(fixes ? { fixes } : {}),
    },
    {
      id: stableEventId('restack.scan.completed', d.image, d.digest, d.campaignId),
      causedBy: event,
    },
  );
  const record: StoredScan = {
    image: result.image,
    digest: result.digest,
    campaignId: d.campaignId,
    scannedAt: ports.clock().toISOString(),
    verification: result.verification,
    previousDigest: result.previousDigest,
    packages: result.packages,
    packageCount: result.packageCount,
    vulnerabilities: result.vulnerabilities,
    scanError: result.scanError,
    notes: result.notes,
    event: completed,
  };
  await ports.store.put(record);
  log.info(
    {
      verified,
      upgraded: result.packages?.upgraded.length ?? null,
      scanner: completed.data.scanner,
    },
    'image scanned',
  );
  return [completed];
}
