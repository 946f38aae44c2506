import { parseReference, formatReference } from '@restack/reference';
import { ageInDays } from './dates.js';
import {
  BASE_DIGEST_LABEL,
  BASE_NAME_LABEL,
  type BaseHistory,
  type BaseSighting,
  type ImageFacts,
} from './facts.js';

export interface BaseDrift {
  /** The base tag the image was built from (`docker.io/library/debian:12`), or null. */
  base: string | null;
  /** The base digest inside the image, or null. */
  baseDigest: string | null;
  /** How the base was found: the OCI labels, or the image's diff_ids starting with the base's. */
  matchedBy: 'labels' | 'diff-ids' | null;
  /** What the base tag points at now, as far as restack knows. */
  currentDigest: string | null;
  /** When the tag moved past `baseDigest` (null: it has not, or unknown). */
  movedAt: string | null;
  /** Days since the tag moved past the image's base: 0 when it has not moved, null when unknown. */
  driftDays: number | null;
  /** `first-seen`: from restack's sightings; `created`: estimated from the newer base's created time. */
  clock: 'first-seen' | 'created' | null;
  note: string;
}

const unknown = (note: string, partial: Partial<BaseDrift> = {}): BaseDrift => ({
  base: null,
  baseDigest: null,
  matchedBy: null,
  currentDigest: null,
  movedAt: null,
  driftDays: null,
  clock: null,
  ...partial,
  note,
});

/** The base tag without any digest, normalised, or null when the label is not a reference. */
function baseTag(name: string): string | null {
  const parsed = parseReference(name);
  if (!parsed.ok) return null;
  return formatReference({ ...parsed.ref, digest: null, tag: parsed.ref.tag ?? 'latest' });
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  return prefix.length > 0 && prefix.length <= of.length && prefix.every((d, i) => of[i] === d);
}

/**
 * How long ago the base tag an image was built from moved past the digest
 * the image contains. The base comes from the `org.opencontainers.image.base.*`
 * labels, else from the known base whose diff_ids the image's start with
 * (the longest such prefix wins).
 */
export async function baseDrift(
  image: ImageFacts,
  bases: BaseHistory,
  now: Date,
): Promise<BaseDrift> {
  let base: string | null = null;
  let digest: string | null = null;
  let matchedBy: BaseDrift['matchedBy'] = null;
  const labelName = image.labels[BASE_NAME_LABEL];
  const labelDigest = image.labels[BASE_DIGEST_LABEL];
  if (labelName && labelDigest) {
    base = baseTag(labelName);
    digest = labelDigest;
    matchedBy = 'labels';
    if (base === null)
      return unknown(`label ${BASE_NAME_LABEL} "${labelName}" is not an image reference`);
  } else {
    const candidates = (await bases.candidates(image)).filter((c) =>
      isPrefix(c.sighting.diffIds ?? [], image.diffIds),
    );
    candidates.sort(
      (a, b) => (b.sighting.diffIds?.length ?? 0) - (a.sighting.diffIds?.length ?? 0),
    );
    const best = candidates[0];
    if (!best) {
      return unknown(
        `the image has no ${BASE_NAME_LABEL}/${BASE_DIGEST_LABEL} labels and its layers start with no base restack knows`,
      );
    }
    base = best.ref;
    digest = best.sighting.digest;
    matchedBy = 'diff-ids';
  }

  const history = await bases.history(base);
  const found = { base, baseDigest: digest, matchedBy };
  const current = history.at(-1);
  if (!current) return unknown(`restack has no record of what ${base} points at`, found);
  const same = (s: BaseSighting) => s.digest === digest || (s.aliases ?? []).includes(digest);
  if (same(current)) {
    return {
      ...found,
      currentDigest: current.digest,
      movedAt: null,
      driftDays: 0,
      clock: bases.kind === 'first-seen' ? 'first-seen' : null,
      note: `${base} still points at the image's base`,
    };
  }
  const at = history.findIndex(same);
  // The first digest after the image's base is the move; if restack never saw
  // the image's base, its oldest sighting is the best it knows.
  const next = at >= 0 ? history[at + 1] : history[0];
  if (next?.firstSeenAt) {
    const movedAt = new Date(next.firstSeenAt);
    return {
      ...found,
      currentDigest: current.digest,
      movedAt: next.firstSeenAt,
      driftDays: ageInDays(movedAt, now),
      clock: 'first-seen',
      note:
        at >= 0
          ? `${base} moved to ${next.digest} when restack first saw it`
          : `restack never saw ${base} at the image's base; it has pointed elsewhere at least since restack first looked`,
    };
  }
  if (current.created) {
    const created = new Date(current.created);
    if (!Number.isNaN(created.getTime()) && created <= now) {
      return {
        ...found,
        currentDigest: current.digest,
        movedAt: current.created,
        driftDays: ageInDays(created, now),
        clock: 'created',
        note: `${base} has moved; estimated from the created time of what it points at now (no history in a one-shot run)`,
      };
    }
  }
  return unknown(`${base} has moved, but restack does not know when`, {
    ...found,
    currentDigest: current.digest,
  });
}
