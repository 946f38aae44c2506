import type { RestackEvent } from '@restack/events';

/** What the events say about catalog images: digests, rebuilds, age and deprecation verdicts. */
export interface ImageFacts {
  digest: string | null;
  builtAt: string | null;
  lastRebuild: { at: string; campaignId: string; digest: string } | null;
  deprecated: { base: string; eolDate: string; reason: string } | null;
}

export interface ImageProjection {
  apply(event: RestackEvent): void;
  /** Facts for an image name (repository without tag). */
  facts(name: string): ImageFacts;
}

/** `registry/x:tag@sha` -> `registry/x`, leaving a registry port alone. */
export function repositoryOf(ref: string): string {
  const noDigest = ref.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

export function createImageProjection(): ImageProjection {
  const byName = new Map<string, ImageFacts>();
  function entry(ref: string): ImageFacts {
    const name = repositoryOf(ref);
    let f = byName.get(name);
    if (!f) {
      f = { digest: null, builtAt: null, lastRebuild: null, deprecated: null };
      byName.set(name, f);
    }
    return f;
  }
  return {
    apply(e) {
      switch (e.type) {
        case 'restack.digest.changed':
          entry(e.data.ref).digest = e.data.digest;
          return;
        case 'restack.image.rebuilt': {
          const f = entry(e.data.image);
          f.digest = e.data.digest;
          f.builtAt = e.occurredAt;
          f.lastRebuild = {
            at: e.occurredAt,
            campaignId: e.data.campaignId,
            digest: e.data.digest,
          };
          return;
        }
        case 'restack.image.stale': {
          const f = entry(e.data.image);
          f.digest ??= e.data.digest;
          // A rebuild after the verdict is newer than the builtAt it reports.
          if (!f.builtAt || f.builtAt < e.data.builtAt) f.builtAt = e.data.builtAt;
          return;
        }
        case 'restack.image.deprecated':
          entry(e.data.image).deprecated = {
            base: e.data.base,
            eolDate: e.data.eolDate,
            reason: e.data.reason,
          };
          return;
        default:
          return;
      }
    },
    facts(name) {
      return (
        byName.get(name) ?? { digest: null, builtAt: null, lastRebuild: null, deprecated: null }
      );
    },
  };
}
