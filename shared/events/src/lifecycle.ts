import { z } from 'zod';
import { defineEvent } from './envelope.js';
import {
  campaignIdSchema,
  digestSchema,
  imageRefSchema,
  isoTimeSchema,
  datedFixSchema,
  severityCountsSchema,
} from './fields.js';

const imageAt = { image: imageRefSchema, digest: digestSchema };

/** A rebuilt (or inventoried) image was scanned; `baseVerified` proves the new base is inside it. */
export const scanCompletedData = z.object({
  ...imageAt,
  campaignId: campaignIdSchema.optional(),
  scanner: z.string().min(1),
  baseDigest: digestSchema.optional(),
  baseVerified: z.boolean(),
  vulnerabilities: severityCountsSchema,
  /** The base verification in full: true, false, or null when there was nothing to verify. */
  verification: z
    .object({
      verified: z.boolean().nullable(),
      baseRef: imageRefSchema.nullable(),
      baseDigest: digestSchema.nullable(),
      /** Why verification failed; empty when it passed. */
      reasons: z.array(z.string()),
    })
    .optional(),
  /** The image this rebuild replaced; null when there was none to compare with. */
  previousDigest: digestSchema.nullable().optional(),
  /** Package changes since the previous image; null without one. */
  packages: z
    .object({
      added: z.array(z.object({ name: z.string().min(1), version: z.string() })),
      removed: z.array(z.object({ name: z.string().min(1), version: z.string() })),
      upgraded: z.array(z.object({ name: z.string().min(1), from: z.string(), to: z.string() })),
      downgraded: z
        .array(z.object({ name: z.string().min(1), from: z.string(), to: z.string() }))
        .optional(),
    })
    .nullable()
    .optional(),
  /** Vulnerabilities fixed, introduced and remaining by severity; null without a previous scan. */
  vulnerabilityDelta: z
    .object({
      fixed: severityCountsSchema,
      introduced: severityCountsSchema,
      remaining: severityCountsSchema,
    })
    .nullable()
    .optional(),
  /** When the scanner's vulnerability database was built; null when the scanner does not say. */
  databaseUpdatedAt: z.string().min(1).nullable().optional(),
  /** Every finding with a fix, and since when (for the gate's `maxDaysSinceFix`); absent without a scan. */
  fixes: z.array(datedFixSchema).optional(),
});

/** An image is older than its policy allows. */
export const imageStaleData = z.object({
  ...imageAt,
  builtAt: isoTimeSchema,
  ageDays: z.number().nonnegative(),
  maxAgeDays: z.number().positive(),
});

/** An image's base reached (or will soon reach) end of life. */
export const imageDeprecatedData = z.object({
  ...imageAt,
  base: imageRefSchema,
  eolDate: z.iso.date(),
  reason: z.string().min(1),
});

export const scanCompletedEvent = defineEvent('restack.scan.completed', 1, scanCompletedData);
export const imageStaleEvent = defineEvent('restack.image.stale', 1, imageStaleData);
export const imageDeprecatedEvent = defineEvent('restack.image.deprecated', 1, imageDeprecatedData);
