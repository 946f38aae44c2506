import { defineEndpoint, type BucketSpec } from '@restack/bus';
import { digestSchema, isoTimeSchema } from '@restack/events';
import { scanSummarySchema } from '@restack/lifecycle';
import { z } from 'zod';

/** What each tag (base or catalog image) pointed at, oldest first, as restack saw it. */
export const SIGHTINGS_BUCKET: BucketSpec = {
  name: 'restack-lifecycle-sightings',
  description: 'lifecycle: digests each tag pointed at, with when restack first saw them',
};
/** The latest scan summary of each digest (from restack.scan.completed). */
export const SCANS_BUCKET: BucketSpec = {
  name: 'restack-lifecycle-scans',
  description: 'lifecycle: latest scan summary per digest',
};
/** The latest policy verdict of each catalog image, and which events were sent for it. */
export const VERDICTS_BUCKET: BucketSpec = {
  name: 'restack-lifecycle-verdicts',
  description: 'lifecycle: latest verdict per catalog image',
};
/** The latest reports (json, markdown, csv, html), for the gateway and dashboards. */
export const REPORTS_BUCKET: BucketSpec = {
  name: 'restack-lifecycle-reports',
  description: 'lifecycle: latest deprecated-image and age reports',
};

/** The registry watcher's state bucket; read-only here. See services/registry-watcher/src/schema.ts. */
export const WATCHER_BUCKET = 'restack-digests';
export const watcherStateSchema = z.looseObject({
  ref: z.string(),
  digest: digestSchema.nullable(),
  firstSeenAt: isoTimeSchema.nullable(),
});

/** Kept per tag; older sightings are dropped. */
export const MAX_SIGHTINGS = 64;

export const sightingSchema = z.object({
  digest: digestSchema,
  aliases: z.array(digestSchema).default([]),
  firstSeenAt: isoTimeSchema.nullable(),
  created: z.string().nullable(),
  diffIds: z.array(z.string()).nullable(),
});
export const tagHistorySchema = z.object({
  ref: z.string().min(1),
  sightings: z.array(sightingSchema).max(MAX_SIGHTINGS),
});

export const verdictRecordSchema = z.object({
  image: z.string().min(1),
  digest: digestSchema.nullable(),
  decision: z.enum(['pass', 'warn', 'deny']),
  rebuild: z.boolean(),
  evaluatedAt: isoTimeSchema,
  /** The full verdict as @restack/lifecycle produced it. */
  verdict: z.unknown(),
  /** Events already published, so a later sweep does not repeat them: `stale:<digest>`, `deprecated:<digest>:<base>`. */
  published: z.array(z.string()).default([]),
});

export const reportRecordSchema = z.object({
  name: z.string().min(1),
  contentType: z.string().min(1),
  generatedAt: isoTimeSchema,
  body: z.string(),
});

export const storedScanSchema = scanSummarySchema;

export type TagHistory = z.infer<typeof tagHistorySchema>;
export type Sighting = z.infer<typeof sightingSchema>;
export type VerdictRecord = z.infer<typeof verdictRecordSchema>;
export type ReportRecord = z.infer<typeof reportRecordSchema>;

/** On demand: `bus.request(sweepEndpoint, {})` runs a sweep now and answers its summary. */
export const sweepEndpoint = defineEndpoint({
  subject: 'restack.rpc.lifecycle.sweep',
  request: z.object({}).strict(),
  response: z.object({
    at: isoTimeSchema,
    images: z.number().int(),
    dockerfiles: z.number().int(),
    stale: z.array(z.string()),
    deprecated: z.array(z.string()),
    reports: z.array(z.string()),
    skipped: z.enum(['lease-held']).nullable(),
  }),
});
export type SweepSummary = z.infer<typeof sweepEndpoint.response>;
