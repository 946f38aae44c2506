import { encodeKvKey, type BucketSpec, type KvRecord, type TypedKv } from '@restack/bus';
import type { CampaignRecord, Usage } from '@restack/campaign';
import { isRestackError } from '@restack/core';
import { z } from 'zod';
import type { LiveCampaigns } from './live-campaigns.js';

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
  /**
   * Campaigns active or holding a request in flight, from memory a KV watch
   * keeps current (another replica's write shows within moments, this one's
   * at once). Read-only.
   */
  live(): CampaignRecord[];
  /** The live, active campaigns with a target producing an image of this repository name. */
  activeWithImage(name: string): CampaignRecord[];
  /** What every other live campaign holds in flight, for the limits. */
  usageExcept(campaignId: string): Usage;
  swapTrigger(ref: string, next: TriggerIndex): Promise<TriggerIndex | null>;
  /** Remembers that `campaignId` rebuilt image `name` as `digest`. */
  markProduced(name: string, digest: string, campaignId: string): Promise<void>;
  /** The campaign that rebuilt `name` as `digest`: a chained plan for it, however late, is covered. */
  producedBy(name: string, digest: string): Promise<string | null>;
}

// In the trigger bucket; `=p` never starts an encoded reference (escapes are `=XX` hex).
const producedKey = (name: string, digest: string) =>
  `=produced/${encodeKvKey(`${name}@${digest}`)}`;

export function campaignStore(
  campaigns: TypedKv<CampaignRecord>,
  triggers: TypedKv<TriggerIndex>,
  live: LiveCampaigns,
): CampaignStore {
  const seen = (r: KvRecord<CampaignRecord> | null) => {
    if (r) live.saw(r.value, r.revision);
    return r;
  };
  /**
   * Compare-and-set from the revision in memory, which saves the read; when
   * that revision is not the newest, or `fn` has nothing to do on it, the
   * usual read-modify-write decides.
   */
  async function write(
    key: string,
    fn: (current: CampaignRecord | null) => CampaignRecord | undefined,
  ): Promise<KvRecord<CampaignRecord> | null> {
    const known = live.latest(key);
    // Not live here: most likely a new campaign, so try creating it without a read first.
    // No copy: the campaign transitions are pure (each clones what it changes).
    const next = fn(known ? known.record : null);
    if (next !== undefined) {
      try {
        const revision = known
          ? await campaigns.update(key, next, known.revision)
          : await campaigns.create(key, next);
        return seen({ key, value: next, revision });
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    return seen(await campaigns.mutate(key, fn));
  }

  // The trigger index as this replica last wrote or read it, to save the read before a swap.
  const knownTriggers = new Map<string, KvRecord<TriggerIndex>>();
  function knowTrigger(r: KvRecord<TriggerIndex>): void {
    if (knownTriggers.size >= 100_000) knownTriggers.clear();
    knownTriggers.set(r.key, r);
  }
  return {
    async get(id) {
      return seen(await campaigns.get(encodeKvKey(id)))?.value ?? null;
    },
    async mutate(id, fn) {
      return (await write(encodeKvKey(id), fn))?.value ?? null;
    },
    async change(id, fn) {
      let wrote = false;
      const r = await write(encodeKvKey(id), (current) => {
        const next = current ? fn(current) : undefined;
        wrote = next !== undefined;
        return next;
      });
      return wrote ? (r?.value ?? null) : null;
    },
    live: () => live.all(),
    activeWithImage: (name) => live.activeWithImage(name),
    usageExcept: (id) => live.usageExcept(encodeKvKey(id)),
    /** Points the trigger at `next`; resolves to what it pointed at before. */
    async swapTrigger(ref, next) {
      const key = encodeKvKey(ref);
      const known = knownTriggers.get(key);
      if (known?.value.campaignId !== next.campaignId) {
        try {
          const revision = known
            ? await triggers.update(key, next, known.revision)
            : await triggers.create(key, next);
          knowTrigger({ key, value: next, revision });
          return known?.value ?? null;
        } catch (e) {
          if (!isConflict(e)) throw e;
        }
      }
      let previous: TriggerIndex | null = null;
      const r = await triggers.mutate(key, (current) => {
        previous = current;
        return current?.campaignId === next.campaignId ? undefined : next;
      });
      if (r) knowTrigger(r);
      return previous;
    },
    async markProduced(name, digest, campaignId) {
      await triggers.put(producedKey(name, digest), { campaignId, digest });
    },
    async producedBy(name, digest) {
      return (await triggers.get(producedKey(name, digest)))?.value.campaignId ?? null;
    },
  };
}

function isConflict(e: unknown): boolean {
  return isRestackError(e) && (e.code === 'KV_CONFLICT' || e.code === 'KV_EXISTS');
}
