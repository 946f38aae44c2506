import type { ImageInspector, InspectResult } from './facts.js';

export interface CacheSettings {
  ttlMs: number;
  failureTtlMs: number;
  /** The injected clock, in milliseconds. */
  clock: () => number;
  /** Entries kept at most; the oldest go first. Default 10 000. */
  maxEntries?: number;
}

/**
 * Reuses registry answers for a while: admission sees the same images over
 * and over, and a registry must not be asked once per pod. Lookups in
 * flight are shared; failures are kept for a shorter time.
 */
export function cachedInspector(inner: ImageInspector, settings: CacheSettings): ImageInspector {
  const entries = new Map<string, { until: number; result: Promise<InspectResult> }>();
  const max = settings.maxEntries ?? 10_000;
  return {
    inspect(reference) {
      const now = settings.clock();
      const hit = entries.get(reference);
      if (hit && hit.until > now) return hit.result;
      const result = inner.inspect(reference).then((r) => {
        const entry = entries.get(reference);
        // Keep successes for the TTL, failures for the shorter one, counted from the answer.
        if (entry?.result === result)
          entry.until = settings.clock() + (r.ok ? settings.ttlMs : settings.failureTtlMs);
        return r;
      });
      entries.delete(reference);
      entries.set(reference, { until: Number.POSITIVE_INFINITY, result });
      while (entries.size > max) entries.delete(entries.keys().next().value!);
      return result;
    },
  };
}
