import { z } from 'zod';
import { vulnerabilityDeltaSchema } from './delta.js';
import { severityCountsSchema } from './severity.js';
import { vulnerabilityReportSchema } from './vulnerability.js';

const packageVersion = z.object({ name: z.string(), version: z.string() });
const versionChange = z.object({ name: z.string(), from: z.string(), to: z.string() });

/** @restack/inventory's InventoryDiff, for storage. */
export const inventoryDiffSchema = z.object({
  added: z.array(packageVersion),
  removed: z.array(packageVersion),
  upgraded: z.array(versionChange),
  downgraded: z.array(versionChange),
});

/**
 * One rescan as it is kept for the dashboard and PR bodies: a RescanResult
 * plus when and for which campaign. Stored per image digest.
 */
export const scanRecordSchema = z.object({
  image: z.string().min(1),
  digest: z.string().min(1),
  campaignId: z.string().nullable(),
  scannedAt: z.iso.datetime({ offset: true }),
  verification: z.object({
    verified: z.boolean().nullable(),
    baseRef: z.string().nullable(),
    baseDigest: z.string().nullable(),
    reasons: z.array(z.string()),
  }),
  previousDigest: z.string().nullable(),
  packages: inventoryDiffSchema.nullable(),
  packageCount: z.number().int().nonnegative(),
  vulnerabilities: z
    .object({
      report: vulnerabilityReportSchema,
      counts: severityCountsSchema,
      previous: z
        .object({ scannerVersion: z.string().nullable(), databaseUpdatedAt: z.string().nullable() })
        .nullable(),
      delta: vulnerabilityDeltaSchema.nullable(),
    })
    .nullable(),
  scanError: z.string().nullable(),
  notes: z.array(z.string()),
});
export type ScanRecord = z.infer<typeof scanRecordSchema>;

/**
 * Where scan results are kept (a NATS KV bucket in the scanner service). The
 * latest record of an image is what the next rebuild of it compares with.
 */
export interface ScanResultStore<R extends ScanRecord = ScanRecord> {
  get(image: string, digest: string): Promise<R | null>;
  /** The most recent scan of `image`, whichever digest. */
  latest(image: string): Promise<R | null>;
  put(record: R): Promise<void>;
}
