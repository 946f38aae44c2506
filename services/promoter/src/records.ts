import { encodeKvKey, type BucketSpec, type TypedKv } from '@restack/bus';
import { parseEvent } from '@restack/events';
import { z } from 'zod';
import type { PromotionRecords } from './ports.js';

/** Staged builds and the gate's decision, by campaign, staging image and digest. */
export const PROMOTIONS_BUCKET = {
  name: 'restack-promotions',
  history: 1,
  description: 'builds staged for promotion and what the gate decided',
} satisfies BucketSpec;

export const promotionRecordSchema = z.object({
  staged: z.object({
    campaignId: z.string().min(1),
    targetId: z.string().min(1).optional(),
    stagingImage: z.string().min(1),
    staging: z.string().min(1),
    digest: z.string().min(1),
    image: z.string().min(1),
    to: z.array(z.string().min(1)).min(1),
    repository: z.string().min(1).optional(),
    revision: z.string().nullable(),
    baseRef: z.string().min(1),
  }),
  decidedAt: z.iso.datetime({ offset: true }).optional(),
  /** The events sent, validated again with @restack/events when read. */
  events: z.array(z.record(z.string(), z.unknown())).optional(),
});
type Stored = z.infer<typeof promotionRecordSchema>;

export function promotionKey(campaignId: string, image: string, digest: string): string {
  return [campaignId, image, digest].map(encodeKvKey).join('.');
}

/** PromotionRecords over a KV bucket (see PROMOTIONS_BUCKET). */
export function kvPromotionRecords(kv: TypedKv<Stored>): PromotionRecords {
  return {
    async get(campaignId, image, digest) {
      const entry = await kv.get(promotionKey(campaignId, image, digest));
      if (!entry) return null;
      const { events, ...rest } = entry.value;
      return { ...rest, ...(events ? { events: events.map((e) => parseEvent(e)) } : {}) };
    },
    async put(record) {
      const { staged } = record;
      await kv.put(promotionKey(staged.campaignId, staged.stagingImage, staged.digest), {
        ...record,
        ...(record.events ? { events: record.events.map((e) => ({ ...e })) } : {}),
      });
    },
  };
}
