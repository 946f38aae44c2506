import { z } from 'zod';
import { defineEvent } from './envelope.js';
import {
  campaignIdSchema,
  digestSchema,
  imageRefSchema,
  isoTimeSchema,
  severityCountsSchema,
  severitySchema,
} from './fields.js';

/** Why one finding is (or is not) fixed by rebuilding the image on its base's newer digest. */
const fixableByBaseSchema = z.object({
  fixable: z.boolean(),
  reason: z.string().min(1),
  /** The package's version in the newer base; null when the base is not newer or lacks it. */
  baseVersion: z.string().nullable(),
  /** Whether a scan of the newer base still shows the finding; null when it was not scanned. */
  baseScanShows: z.boolean().nullable(),
});

export const vulnerableFindingSchema = z.object({
  id: z.string().min(1),
  package: z.string().min(1),
  installed: z.string(),
  fixedVersion: z.string().nullable(),
  severity: severitySchema,
  /** When the advisory was published, when the report says. */
  publishedAt: z.string().nullable(),
  daysSinceAdvisory: z.number().int().nonnegative().nullable(),
  /** Since when a fix exists: the report's date, or when restack first saw the fixed version. */
  fixSince: z.object({ at: isoTimeSchema, source: z.enum(['report', 'first-seen']) }).nullable(),
  /** Anchore's max_days_since_fix measure; null without a fix. */
  daysSinceFix: z.number().int().nonnegative().nullable(),
  fixableByBase: fixableByBaseSchema,
});

/**
 * A scheduled rescan found vulnerabilities in an image that is in use (a
 * catalog image, or one the admission webhook saw running), and says
 * whether it started a rebuild: it does when the image's base already has a
 * newer digest without them.
 */
export const imageVulnerableData = z.object({
  /** The reference rescanned: `registry.example/team/app:1`. */
  image: imageRefSchema,
  digest: digestSchema,
  /** Where restack learned of the image. */
  source: z.enum(['catalog', 'admission']),
  scanner: z.string().min(1),
  scannerVersion: z.string().nullable(),
  /** When the scanner's database was built; null when the scanner does not say. */
  databaseUpdatedAt: z.string().min(1).nullable(),
  scannedAt: isoTimeSchema,
  /** The base as it is now; null when the image names none. */
  base: z
    .object({
      ref: imageRefSchema,
      source: z.enum(['label', 'dockerfile']),
      builtOn: digestSchema.nullable(),
      current: digestSchema,
      newer: z.boolean(),
      notes: z.array(z.string()),
    })
    .nullable(),
  counts: severityCountsSchema,
  /** Fixable findings first, then by severity; at most 200 (see `omitted`). */
  findings: z.array(vulnerableFindingSchema),
  omitted: z.number().int().nonnegative(),
  rebuild: z.object({
    started: z.boolean(),
    reason: z.string().min(1),
    campaignId: campaignIdSchema.optional(),
  }),
});

export const imageVulnerableEvent = defineEvent('restack.image.vulnerable', 1, imageVulnerableData);
