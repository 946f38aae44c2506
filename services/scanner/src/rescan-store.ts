import type { BucketSpec } from '@restack/bus';
import { imageVulnerableData } from '@restack/events';
import { ADMISSION_SEEN_BUCKET } from '@restack/scan';
import { z } from 'zod';

/** The latest scheduled rescan of each image reference: what it found and what it decided. */
export const RESCANS_BUCKET = {
  name: 'restack-rescans',
  history: 1,
  description: 'scheduled rescans: findings, days since fix, and whether a rebuild started',
} satisfies BucketSpec;

/** When restack first saw a fixed version for a finding, when the report gives no fix date. */
export const FIXES_BUCKET = {
  name: 'restack-scan-fixes',
  history: 1,
  description: 'first time restack saw a fixed version of each finding',
} satisfies BucketSpec;

/** Written by the admission webhook, read by the rescan; declared here so it exists. */
export const SEEN_BUCKET = {
  name: ADMISSION_SEEN_BUCKET,
  history: 1,
  description: 'images the admission webhook has seen, for scheduled rescans',
} satisfies BucketSpec;

/** A rescan is kept as the event data it produced (clean images too, with no findings). */
export const rescanRecordSchema = imageVulnerableData;
export type RescanRecord = z.infer<typeof rescanRecordSchema>;

export const fixSeenSchema = z.object({ firstSeenAt: z.iso.datetime({ offset: true }) });
export type FixSeen = z.infer<typeof fixSeenSchema>;
