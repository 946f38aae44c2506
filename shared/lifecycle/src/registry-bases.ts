import type { RegistryClient } from '@restack/registry';
import type { BaseHistory, BaseSighting, ImageFacts } from './facts.js';

/**
 * Base history for a one-shot run: restack has no record of past digests,
 * so a tag's history is only what it points at now (with its created time
 * and diff_ids, read from the registry once per tag).
 */
export function createRegistryBaseHistory(
  registry: RegistryClient,
  /** The base tags an image may be built on (its Dockerfile's FROM lines, say). */
  candidateRefs: (image: ImageFacts) => readonly string[],
): BaseHistory {
  const cache = new Map<string, Promise<BaseSighting | null>>();
  const current = (ref: string): Promise<BaseSighting | null> => {
    let hit = cache.get(ref);
    if (!hit) {
      hit = registry.resolve(ref, { config: true }).then((r) => {
        const config = r.ok ? r.value.config : undefined;
        if (!r.ok || !config) return null;
        return {
          digest: r.value.digest,
          aliases: config.manifestDigest === r.value.digest ? [] : [config.manifestDigest],
          firstSeenAt: null,
          created: config.created,
          diffIds: config.diffIds,
        };
      });
      cache.set(ref, hit);
    }
    return hit;
  };
  return {
    kind: 'registry-now',
    async history(ref) {
      const now = await current(ref);
      return now ? [now] : [];
    },
    async candidates(image) {
      const out: Array<{ ref: string; sighting: BaseSighting }> = [];
      for (const ref of candidateRefs(image)) {
        const s = await current(ref);
        if (s) out.push({ ref, sighting: s });
      }
      return out;
    },
  };
}
