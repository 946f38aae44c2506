import { ageInDays } from './dates.js';

/** Which clock an image's build time came from (always reported). */
export const BUILD_CLOCKS = ['created', 'first-seen', 'pushed', 'unknown'] as const;
export type BuildClock = (typeof BUILD_CLOCKS)[number];

/**
 * Reproducible builds stamp `created` with the epoch (1970-01-01) or
 * 1980-01-01 (SOURCE_DATE_EPOCH defaults, zip's earliest date), so anything
 * before 1980-01-02 says nothing about when the image was built.
 * https://reproducible-builds.org/docs/source-date-epoch/
 */
export const EARLIEST_PLAUSIBLE_CREATED = new Date('1980-01-02T00:00:00Z');

export interface BuildTimeInput {
  /** The config's `created` (RFC 3339), or null when absent. */
  created: string | null;
  /** When restack first saw this digest, or null when unknown or not available. */
  firstSeen: Date | null;
  /** Why first-seen is null, e.g. "not available in a one-shot run". */
  firstSeenNote?: string;
  /** When the registry says the manifest was pushed, or null. */
  pushed: Date | null;
  /** Why pushed is null, e.g. "plain distribution reports no push time". */
  pushedNote?: string;
}

export interface BuildTime {
  /** RFC 3339, or null when no clock could be used. */
  builtAt: string | null;
  clock: BuildClock;
  ageDays: number | null;
  /** Why a clock was passed over, in order. */
  notes: string[];
}

/** Whether `created` can be believed at `now`: a valid time after 1980-01-01 and not in the future. */
export function plausibleCreated(
  created: string | null,
  now: Date,
): { at: Date } | { at: null; note: string } {
  if (created === null) return { at: null, note: 'the image config has no created time' };
  const at = new Date(created);
  if (Number.isNaN(at.getTime())) return { at: null, note: `created "${created}" is not a time` };
  if (at < EARLIEST_PLAUSIBLE_CREATED) {
    return {
      at: null,
      note: `created ${created} is before 1980-01-02 (a reproducible-build stamp), so it is not a build time`,
    };
  }
  if (at > now) return { at: null, note: `created ${created} is in the future` };
  return { at };
}

/**
 * An image's build time: `created` when plausible, else the first time
 * restack saw the digest, else the registry's push time, else unknown.
 */
export function buildTime(input: BuildTimeInput, now: Date): BuildTime {
  const notes: string[] = [];
  const created = plausibleCreated(input.created, now);
  if (created.at) return done(created.at, 'created', notes, now);
  notes.push(created.note);

  if (input.firstSeen && input.firstSeen <= now)
    return done(input.firstSeen, 'first-seen', notes, now);
  notes.push(
    input.firstSeen
      ? `first seen ${input.firstSeen.toISOString()} is after the evaluation time`
      : (input.firstSeenNote ?? 'restack has not recorded when it first saw this digest'),
  );

  if (input.pushed && input.pushed <= now) return done(input.pushed, 'pushed', notes, now);
  notes.push(
    input.pushed
      ? `pushed ${input.pushed.toISOString()} is after the evaluation time`
      : (input.pushedNote ?? 'the registry does not report when the image was pushed'),
  );
  return { builtAt: null, clock: 'unknown', ageDays: null, notes };
}

function done(at: Date, clock: BuildClock, notes: string[], now: Date): BuildTime {
  return { builtAt: at.toISOString(), clock, ageDays: ageInDays(at, now), notes };
}
