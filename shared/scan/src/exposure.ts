import type { Vulnerability } from './vulnerability.js';

const DAY_MS = 86_400_000;

/** Where "fixed since" comes from: the report's fix date, or when restack first saw the fixed version. */
export interface FixSince {
  at: string;
  source: 'report' | 'first-seen';
}

export interface Exposure {
  /** Whole days since the advisory was published; null when the report has no date. */
  daysSinceAdvisory: number | null;
  fixSince: FixSince | null;
  /**
   * Whole days since a fix became available (Anchore's max_days_since_fix
   * measure); null without a fixed version.
   */
  daysSinceFix: number | null;
}

function daysBetween(from: string, now: Date): number | null {
  const t = Date.parse(from);
  if (Number.isNaN(t)) return null;
  return Math.max(0, Math.floor((now.getTime() - t) / DAY_MS));
}

/**
 * How long an image has been exposed to one finding. `firstSeenFix` is when
 * restack first saw a fixed version for it (kept in KV), used when the
 * report itself has no fix date.
 */
export function exposureOf(v: Vulnerability, now: Date, firstSeenFix: string | null): Exposure {
  const daysSinceAdvisory = v.publishedAt ? daysBetween(v.publishedAt, now) : null;
  if (v.fixedVersion === null) return { daysSinceAdvisory, fixSince: null, daysSinceFix: null };
  const fixSince: FixSince | null =
    v.fixedAt && !Number.isNaN(Date.parse(v.fixedAt))
      ? { at: new Date(v.fixedAt).toISOString(), source: 'report' }
      : firstSeenFix
        ? { at: firstSeenFix, source: 'first-seen' }
        : null;
  return {
    daysSinceAdvisory,
    fixSince,
    daysSinceFix: fixSince ? daysBetween(fixSince.at, now) : null,
  };
}

/** The KV key a first-seen fix is kept under: the finding and the version that fixes it. */
export function fixKey(v: Pick<Vulnerability, 'id' | 'package' | 'fixedVersion'>): string {
  return `${v.id}\0${v.package}\0${v.fixedVersion ?? ''}`;
}
