import { encodeKvKey, type BucketSpec, type TypedKv } from '@restack/bus';
import { parseEvent } from '@restack/events';
import { z } from 'zod';
import type { BuildRecord, BuildRecords } from './ports.js';

/** Done builds, one key per campaign and target. */
export const BUILDS_BUCKET = {
  name: 'restack-builds',
  history: 1,
  description: 'builds the builder pushed, by campaign and target',
} satisfies BucketSpec;

export const buildRecordSchema = z.object({
  campaignId: z.string().min(1),
  targetId: z.string().min(1),
  digest: z.string().min(1),
  revision: z.string().nullable(),
  builtAt: z.iso.datetime({ offset: true }),
  /** The events sent, validated again with @restack/events when read. */
  events: z.array(z.record(z.string(), z.unknown())).min(1),
});
export type StoredBuild = z.infer<typeof buildRecordSchema>;

export function buildKey(campaignId: string, targetId: string): string {
  return `${encodeKvKey(campaignId)}.${encodeKvKey(targetId)}`;
}

/** BuildRecords over a KV bucket (see BUILDS_BUCKET). */
export function kvBuildRecords(kv: TypedKv<StoredBuild>): BuildRecords {
  return {
    async get(campaignId, targetId) {
      const entry = await kv.get(buildKey(campaignId, targetId));
      if (!entry) return null;
      return { ...entry.value, events: entry.value.events.map((e) => parseEvent(e)) };
    },
    async put(record: BuildRecord) {
      await kv.put(buildKey(record.campaignId, record.targetId), {
        ...record,
        events: record.events.map((e) => ({ ...e })),
      });
    },
  };
}
