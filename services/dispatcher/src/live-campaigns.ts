import type { KvWatch, TypedKv } from '@restack/bus';
import { emptyUsage, imageName, usageOf, type CampaignRecord, type Usage } from '@restack/campaign';

/**
 * The campaigns that still matter to decisions, in memory: active ones, and
 * finished ones that still hold a request in flight (they count against the
 * limits). Finished campaigns drop out, so memory follows the live set, not
 * the history. A KV watch brings in every replica's writes; this replica's
 * own writes are applied at once so that its next decision sees them.
 */
export interface LiveCampaigns {
  /** Read-only records; callers never mutate them. */
  all(): CampaignRecord[];
  /** Active campaigns with a target producing an image of this repository name. */
  activeWithImage(name: string): CampaignRecord[];
  /** The newest revision known here of a live campaign, by bucket key. */
  latest(key: string): { record: CampaignRecord; revision: number } | undefined;
  /** What every live campaign but the one under `key` holds in flight (as usageOf counts it); read-only. */
  usageExcept(key: string): Usage;
  /** A record this replica wrote or read at `revision`. */
  saw(record: CampaignRecord, revision: number): void;
  /**
   * Counts `record` (a write of this replica still in flight) in the usage
   * instead of what is known of its key, until the returned release is
   * called (after the write succeeded or failed). Deciding and reserving in
   * one synchronous step keeps the limits exact here without queueing the
   * writes behind each other.
   */
  reserve(key: string, record: CampaignRecord): () => void;
  /** Whether any campaign, finished ones included, had a target producing an image of this repository name. */
  built(name: string): boolean;
  stop(): void;
}

interface Entry {
  record: CampaignRecord;
  revision: number;
  images: ReadonlySet<string>;
  usage: Usage;
}

function isLive(c: CampaignRecord): boolean {
  return c.state === 'active' || Object.values(c.targets).some((t) => t.state === 'requested');
}

function imagesOf(c: CampaignRecord): Set<string> {
  const out = new Set<string>();
  for (const t of Object.values(c.targets)) if (t.image !== undefined) out.add(imageName(t.image));
  return out;
}

export async function watchLiveCampaigns(
  kv: TypedKv<CampaignRecord>,
  /** The bucket key of a record. */
  keyOf: (record: CampaignRecord) => string,
  onInvalid: (key: string, error: unknown) => void,
): Promise<LiveCampaigns> {
  const entries = new Map<string, Entry>();
  // Keys this replica saw finish at a revision the watch has not reached yet,
  // so that an older revision arriving late cannot bring them back.
  const dropped = new Map<string, number>();
  let watched = 0;
  // The sum of every entry's usage, so that a decision does not walk every campaign.
  const groups = new Map<string, Map<string, number>>();
  // The same, as the Usage that advance() reads (it copies before it adds).
  const total: Usage = emptyUsage();
  // Writes in flight: their usage is counted in the totals instead of their entry's.
  const reserved = new Map<string, { usage: Usage }>();
  const none = emptyUsage();
  // Image repository names any campaign ever rebuilt (records are never deleted, so the watch sees them all).
  const everBuilt = new Set<string>();
  /** A target's image never changes after creation: a live key's names are known already. */
  function noteImages(key: string, record: CampaignRecord): void {
    if (entries.has(key)) return;
    for (const name of imagesOf(record)) everBuilt.add(name);
  }
  const usageAt = (key: string): Usage =>
    reserved.get(key)?.usage ?? entries.get(key)?.usage ?? none;

  function count(u: Usage, sign: 1 | -1): void {
    total.builds += sign * u.builds;
    for (const [repository, names] of u.pullRequests) {
      const counts = groups.get(repository) ?? new Map<string, number>();
      const set = total.pullRequests.get(repository) ?? new Set<string>();
      for (const name of names) {
        const n = (counts.get(name) ?? 0) + sign;
        if (n > 0) {
          counts.set(name, n);
          set.add(name);
        } else {
          counts.delete(name);
          set.delete(name);
        }
      }
      if (counts.size > 0) {
        groups.set(repository, counts);
        total.pullRequests.set(repository, set);
      } else {
        groups.delete(repository);
        total.pullRequests.delete(repository);
      }
    }
  }

  function keep(key: string, record: CampaignRecord | null, revision: number): void {
    const before = entries.get(key);
    // While a write of this key is in flight the totals count its reservation instead.
    const counted = !reserved.has(key);
    if (before && counted) count(before.usage, -1);
    if (record && isLive(record)) {
      // A target's image never changes after creation.
      const entry = {
        record,
        revision,
        images: before?.images ?? imagesOf(record),
        usage: usageOf([record]),
      };
      entries.set(key, entry);
      if (counted) count(entry.usage, 1);
      if (!before) index(key, entry.images, 1);
      dropped.delete(key);
    } else if (before) {
      entries.delete(key);
      index(key, before.images, -1);
    }
  }

  // Image repository name -> the keys of live campaigns with a target producing it.
  const byImage = new Map<string, Set<string>>();
  function index(key: string, images: ReadonlySet<string>, sign: 1 | -1): void {
    for (const name of images) {
      const keys = byImage.get(name) ?? new Set<string>();
      if (sign > 0) keys.add(key);
      else keys.delete(key);
      if (keys.size > 0) byImage.set(name, keys);
      else byImage.delete(name);
    }
  }

  function fromWatch(key: string, revision: number, value: () => CampaignRecord | null): void {
    watched = revision;
    const gone = dropped.get(key);
    if (gone !== undefined) {
      if (revision >= gone) dropped.delete(key);
      if (revision <= gone) return;
    }
    // Mostly this replica's own write coming back: already applied, not parsed again.
    if ((entries.get(key)?.revision ?? 0) >= revision) return;
    let record: CampaignRecord | null;
    try {
      record = value();
    } catch (e) {
      onInvalid(key, e);
      return;
    }
    if (record) noteImages(key, record);
    keep(key, record, revision);
  }

  const watch: KvWatch = await kv.watch(fromWatch);
  return {
    all: () => [...entries.values()].map((e) => e.record),
    activeWithImage(name) {
      const out: CampaignRecord[] = [];
      for (const key of byImage.get(name) ?? []) {
        const e = entries.get(key);
        if (e?.record.state === 'active') out.push(e.record);
      }
      return out;
    },
    latest: (key) => entries.get(key),
    usageExcept(key) {
      const own = usageAt(key);
      if (own.builds === 0 && own.pullRequests.size === 0) return total;
      // Copy only what this campaign's own requests have to be taken out of.
      const out: Usage = {
        pullRequests: new Map(total.pullRequests),
        builds: total.builds - own.builds,
      };
      for (const [repository, mine] of own.pullRequests) {
        const counts = groups.get(repository);
        const rest = new Set(
          [...(counts?.keys() ?? [])].filter((g) => !mine.has(g) || counts!.get(g)! > 1),
        );
        if (rest.size > 0) out.pullRequests.set(repository, rest);
        else out.pullRequests.delete(repository);
      }
      return out;
    },
    saw(record, revision) {
      // The watch delivers every revision in order: one it has passed is already in.
      if (revision <= watched) return;
      const key = keyOf(record);
      if ((entries.get(key)?.revision ?? 0) >= revision) return;
      if ((dropped.get(key) ?? 0) >= revision) return;
      if (!isLive(record)) dropped.set(key, revision);
      noteImages(key, record);
      keep(key, record, revision);
    },
    reserve(key, record) {
      const mine = { usage: usageOf([record]) };
      count(usageAt(key), -1);
      count(mine.usage, 1);
      reserved.set(key, mine);
      noteImages(key, record);
      return () => {
        // A later reservation of the same key replaced this one: that one releases.
        if (reserved.get(key) !== mine) return;
        count(mine.usage, -1);
        reserved.delete(key);
        count(usageAt(key), 1);
      };
    },
    built: (name) => everBuilt.has(name),
    stop: () => watch.stop(),
  };
}
