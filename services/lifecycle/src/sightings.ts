import { encodeKvKey, type TypedKv } from '@restack/bus';
import type { BaseHistory, BaseSighting, FirstSeenSource, ImageFacts } from '@restack/lifecycle';
import { formatReference, parseReference } from '@restack/reference';
import type { RegistryClient } from '@restack/registry';
import { MAX_SIGHTINGS, type Sighting, type TagHistory } from './schema.js';

/** `debian` and `docker.io/library/debian:latest` are one key. */
export function tagKey(ref: string): string {
  const parsed = parseReference(ref);
  const name = parsed.ok
    ? formatReference({ ...parsed.ref, digest: null, tag: parsed.ref.tag ?? 'latest' })
    : ref;
  return encodeKvKey(name);
}

/**
 * Records that `ref` pointed at `digest` from `firstSeenAt` on. The first
 * time wins (a redelivered event changes nothing); the previous digest is
 * kept before it when restack never saw it.
 */
export async function recordSighting(
  kv: TypedKv<TagHistory>,
  ref: string,
  digest: string,
  firstSeenAt: string | null,
  previousDigest: string | null = null,
): Promise<void> {
  await kv.mutate(tagKey(ref), (current) => {
    const history: TagHistory = current ?? { ref, sightings: [] };
    const has = (d: string) => history.sightings.some((s) => s.digest === d);
    if (has(digest)) return undefined;
    const blank = (d: string, at: string | null): Sighting => ({
      digest: d,
      aliases: [],
      firstSeenAt: at,
      created: null,
      diffIds: null,
    });
    const sightings = [...history.sightings];
    if (previousDigest && !has(previousDigest)) sightings.push(blank(previousDigest, null));
    sightings.push(blank(digest, firstSeenAt));
    return { ref: history.ref, sightings: sightings.slice(-MAX_SIGHTINGS) };
  });
}

export interface WatcherState {
  read(ref: string): Promise<{ digest: string | null; firstSeenAt: string | null } | null>;
}

export interface SightingPorts {
  sightings: TypedKv<TagHistory>;
  /** The registry watcher's state, when its bucket exists. */
  watcher: WatcherState | null;
  registry: RegistryClient;
  /** The base tags each catalog image may be built on. */
  baseRefs: (image: ImageFacts) => readonly string[];
}

/**
 * First-seen times: the earlier of restack's own sightings and the
 * watcher's state for the tag. With `seenAt`, a digest nobody has recorded
 * yet is recorded as first seen then (restack is looking at it now).
 */
export function firstSeenSource(ports: SightingPorts, seenAt?: Date): FirstSeenSource {
  return {
    async firstSeen(reference, digest) {
      const own = (await ports.sightings.get(tagKey(reference)))?.value.sightings.find(
        (s) => s.digest === digest,
      );
      const state = await ports.watcher?.read(reference);
      const times = [own?.firstSeenAt, state?.digest === digest ? state.firstSeenAt : null]
        .filter((t): t is string => typeof t === 'string')
        .map((t) => new Date(t))
        .sort((a, b) => a.getTime() - b.getTime());
      if (times[0]) {
        if (!own) await recordSighting(ports.sightings, reference, digest, times[0].toISOString());
        return times[0];
      }
      if (!seenAt) return null;
      await recordSighting(ports.sightings, reference, digest, seenAt.toISOString());
      return seenAt;
    },
  };
}

/** How many past digests per base tag are read for diff_id matching. */
const CANDIDATES_PER_TAG = 8;

/** Base history from the sightings, with diff_ids read from the registry once per digest and stored. */
export function sightingsBaseHistory(ports: SightingPorts): BaseHistory {
  async function history(ref: string): Promise<Sighting[]> {
    const own = (await ports.sightings.get(tagKey(ref)))?.value.sightings ?? [];
    if (own.length > 0) return own;
    const state = await ports.watcher?.read(ref);
    if (state?.digest) {
      await recordSighting(ports.sightings, ref, state.digest, state.firstSeenAt);
      return (await ports.sightings.get(tagKey(ref)))?.value.sightings ?? [];
    }
    return [];
  }

  async function withLayers(ref: string, s: Sighting): Promise<Sighting> {
    if (s.diffIds !== null) return s;
    const parsed = parseReference(ref);
    if (!parsed.ok) return s;
    const r = await ports.registry.imageConfig(`${parsed.ref.name}@${s.digest}`);
    if (!r.ok) return s;
    const filled: Sighting = {
      ...s,
      aliases:
        r.value.manifestDigest === s.digest
          ? s.aliases
          : [...new Set([...s.aliases, r.value.manifestDigest])],
      created: r.value.created,
      diffIds: r.value.diffIds,
    };
    await ports.sightings.mutate(tagKey(ref), (current) => {
      if (!current) return undefined;
      return {
        ...current,
        sightings: current.sightings.map((x) => (x.digest === s.digest ? filled : x)),
      };
    });
    return filled;
  }

  return {
    kind: 'first-seen',
    async history(ref) {
      const list = await history(ref);
      // The current digest's created time lets drift be estimated when no move was seen.
      const last = list.at(-1);
      return last ? [...list.slice(0, -1), await withLayers(ref, last)] : list;
    },
    async candidates(image) {
      const out: Array<{ ref: string; sighting: BaseSighting }> = [];
      for (const ref of ports.baseRefs(image)) {
        for (const s of (await history(ref)).slice(-CANDIDATES_PER_TAG)) {
          out.push({ ref, sighting: await withLayers(ref, s) });
        }
      }
      return out;
    },
  };
}

/** Reads the registry watcher's bucket (keys are encoded references). */
export function watcherState(
  kv: TypedKv<{ digest: string | null; firstSeenAt: string | null }>,
): WatcherState {
  return {
    async read(ref) {
      const parsed = parseReference(ref);
      const keys = parsed.ok
        ? [
            ref,
            formatReference(parsed.ref),
            formatReference({ ...parsed.ref, tag: parsed.ref.tag ?? 'latest' }),
          ]
        : [ref];
      for (const key of new Set(keys)) {
        const hit = await kv.get(encodeKvKey(key));
        if (hit) return hit.value;
      }
      return null;
    },
  };
}
