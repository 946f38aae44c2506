import { encodeKvKey, type BucketSpec, type TypedKv } from '@restack/bus';
import type { CampaignRecord } from '@restack/campaign';
import { z } from 'zod';

export const CAMPAIGN_BUCKET: BucketSpec = {
  name: 'restack-campaigns',
  history: 5,
  description: 'campaign state machines (dispatcher)',
};
export const TRIGGER_BUCKET: BucketSpec = {
  name: 'restack-campaign-triggers',
  history: 1,
  description: 'latest campaign per trigger reference (dispatcher)',
};

export const triggerIndexSchema = z.object({
  campaignId: z.string().min(1),
  digest: z.string().min(1),
});
export type TriggerIndex = z.infer<typeof triggerIndexSchema>;

/** Campaign records and the trigger index, both written with compare-and-set. */
export interface CampaignStore {
  get(campaignId: string): Promise<CampaignRecord | null>;
  /** `fn` may run several times (CAS retries); undefined leaves the record alone. */
  mutate(
    campaignId: string,
    fn: (current: CampaignRecord | null) => CampaignRecord | undefined,
  ): Promise<CampaignRecord | null>;
  /** Like mutate, but resolves to the record only when `fn` changed it (else null). */
  change(
    campaignId: string,
    fn: (current: CampaignRecord) => CampaignRecord | undefined,
  ): Promise<CampaignRecord | null>;
  list(): Promise<CampaignRecord[]>;
  swapTrigger(ref: string, next: TriggerIndex): Promise<TriggerIndex | null>;
}

export function campaignStore(
  campaigns: TypedKv<CampaignRecord>,
  triggers: TypedKv<TriggerIndex>,
): CampaignStore {
  return {
    async get(id) {
      return (await campaigns.get(encodeKvKey(id)))?.value ?? null;
    },
    async mutate(id, fn) {
      return (await campaigns.mutate(encodeKvKey(id), fn))?.value ?? null;
    },
    async change(id, fn) {
      let wrote = false;
      const r = await campaigns.mutate(encodeKvKey(id), (current) => {
        const next = current ? fn(current) : undefined;
        wrote = next !== undefined;
        return next;
      });
      return wrote ? (r?.value ?? null) : null;
    },
    async list() {
      const out: CampaignRecord[] = [];
      for (const key of await campaigns.keys()) {
        const r = await campaigns.get(key);
        if (r) out.push(r.value);
      }
      return out;
    },
    /** Points the trigger at `next`; resolves to what it pointed at before. */
    async swapTrigger(ref, next) {
      let previous: TriggerIndex | null = null;
      await triggers.mutate(encodeKvKey(ref), (current) => {
        previous = current;
        return current?.campaignId === next.campaignId ? undefined : next;
      });
      return previous;
    },
  };
}
