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

/** How long the produced-image index remembers a rebuilt digest, by default: 90 days. */
export const PRODUCED_RETENTION_MS = 90 * 86_400_000;

/**
 * Which campaign rebuilt which image digest, for a chained plan the watcher
 * sees late. Entries expire after `retentionMs` (NATS max_age), so the index
 * does not grow with every build forever.
 */
export function producedBucket(retentionMs = PRODUCED_RETENTION_MS): BucketSpec {
  return {
    name: 'restack-campaign-produced',
    history: 1,
    ttlMs: retentionMs,
    description: 'image digests campaigns rebuilt, for late chained plans (dispatcher)',
  };
}

export const producedSchema = z.object({
  campaignId: z.string().min(1),
  digest: z.string().min(1),
});
export type Produced = z.infer<typeof producedSchema>;

export const triggerIndexSchema = z.object({
  campaignId: z.string().min(1),
  digest: z.string().min(1),
  /**
   * The campaign this one replaced, kept so that a plan redelivered after a
   * crash between the swap and the supersede still supersedes it.
   */
  replaced: z.string().min(1).optional(),
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
  /**
   * Points the trigger at `next`; resolves to the campaign it replaced (also
   * when it already pointed at `next`, as a redelivery finds it), else null.
   */
  swapTrigger(ref: string, next: Omit<TriggerIndex, 'replaced'>): Promise<string | null>;
  /** Remembers that `campaignId` rebuilt image `name` as `digest`. */
  markProduced(name: string, digest: string, campaignId: string): Promise<void>;
  /** The campaign that rebuilt `name` as `digest`: a chained plan for it, however late, is covered. */
  producedBy(name: string, digest: string): Promise<string | null>;
}

const producedKey = (name: string, digest: string) => encodeKvKey(`${name}@${digest}`);

// Where releases before the produced bucket kept the index, in the trigger bucket
// (`=p` never starts an encoded reference: escapes are `=XX` hex).
const LEGACY_PRODUCED = '=produced/';

/**
 * Moves produced-index entries an older release wrote into the trigger bucket
 * (where nothing ever expired them) into the produced bucket. Idempotent, so
 * every replica may run it at start; resolves to how many it moved.
 */
export async function moveLegacyProduced(
  triggers: TypedKv<TriggerIndex>,
  produced: TypedKv<Produced>,
): Promise<number> {
  let moved = 0;
  for (const key of await triggers.keys()) {
    if (!key.startsWith(LEGACY_PRODUCED)) continue;
    const r = await triggers.get(key);
    if (r) {
      await produced.put(key.slice(LEGACY_PRODUCED.length), {
        campaignId: r.value.campaignId,
        digest: r.value.digest,
      });
    }
    await triggers.delete(key);
    moved++;
  }
  return moved;
}

export function campaignStore(
  campaigns: TypedKv<CampaignRecord>,
  triggers: TypedKv<TriggerIndex>,
  produced: TypedKv<Produced>,
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
      // Reserved as soon as decided (no await between): the next decision counts it.
      const release = live.reserve(key, next);
      try {
        const revision = known
          ? await campaigns.update(key, next, known.revision)
          : await campaigns.create(key, next);
        release();
        return seen({ key, value: next, revision });
      } catch (e) {
        release();
        if (!isConflict(e)) throw e;
      }
    }
    let release: (() => void) | undefined;
    try {
      const r = await campaigns.mutate(key, (current) => {
        const out = fn(current);
        release?.();
        release = out === undefined ? undefined : live.reserve(key, out);
        return out;
      });
      release?.();
      return seen(r);
    } catch (e) {
      release?.();
      throw e;
    }
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
    async swapTrigger(ref, next) {
      const key = encodeKvKey(ref);
      const pointing = (current: TriggerIndex | null): TriggerIndex => ({
        ...next,
        ...(current ? { replaced: current.campaignId } : {}),
      });
      const known = knownTriggers.get(key);
      if (known && known.value.campaignId === next.campaignId) return known.value.replaced ?? null;
      // From what this replica last saw (a new trigger: created without a read); a conflict reads.
      try {
        const value = pointing(known?.value ?? null);
        const revision = known
          ? await triggers.update(key, value, known.revision)
          : await triggers.create(key, value);
        knowTrigger({ key, value, revision });
        return value.replaced ?? null;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
      const r = await triggers.mutate(key, (current) =>
        current?.campaignId === next.campaignId ? undefined : pointing(current),
      );
      if (r) knowTrigger(r);
      return r?.value.replaced ?? null;
    },
    async markProduced(name, digest, campaignId) {
      await produced.put(producedKey(name, digest), { campaignId, digest });
    },
    async producedBy(name, digest) {
      // Only an image some campaign had as a target can have been produced: no read for the rest.
      if (!live.built(name)) return null;
      return (await produced.get(producedKey(name, digest)))?.value.campaignId ?? null;
    },
  };
}

function isConflict(e: unknown): boolean {
  return isRestackError(e) && (e.code === 'KV_CONFLICT' || e.code === 'KV_EXISTS');
}
