import { encodeKvKey, type BucketSpec, type TypedKv } from '@restack/bus';
import { parseEvent } from '@restack/events';
import { scanRecordSchema, type ScanResultStore } from '@restack/scan';
import { z } from 'zod';
import type { StoredScan } from './ports.js';

/** Every scan, by image and digest: what the dashboard and PR bodies read. */
export const SCANS_BUCKET = {
  name: 'restack-scans',
  history: 1,
  description: 'rescans of rebuilt images: verification, package and vulnerability deltas',
} satisfies BucketSpec;

/** The digest last scanned for each image name: what the next rebuild is compared with. */
export const LATEST_BUCKET = {
  name: 'restack-scans-latest',
  history: 1,
  description: 'the last scanned digest of each image',
} satisfies BucketSpec;

export const storedScanSchema = scanRecordSchema.extend({
  event: z.record(z.string(), z.unknown()),
});
export const latestScanSchema = z.object({ digest: z.string().min(1) });

/** The scan store over two KV buckets (SCANS_BUCKET, LATEST_BUCKET). */
export function kvScanStore(
  scans: TypedKv<z.infer<typeof storedScanSchema>>,
  latest: TypedKv<z.infer<typeof latestScanSchema>>,
): ScanResultStore<StoredScan> {
  const key = (image: string, digest: string) => `${encodeKvKey(image)}.${encodeKvKey(digest)}`;
  async function get(image: string, digest: string): Promise<StoredScan | null> {
    const entry = await scans.get(key(image, digest));
    return entry ? { ...entry.value, event: parseEvent(entry.value.event) } : null;
  }
  return {
    get,
    async latest(image) {
      const pointer = await latest.get(encodeKvKey(image));
      return pointer ? get(image, pointer.value.digest) : null;
    },
    async put(record) {
      await scans.put(key(record.image, record.digest), { ...record, event: { ...record.event } });
      await latest.put(encodeKvKey(record.image), { digest: record.digest });
    },
  };
}
