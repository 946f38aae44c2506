import { RestackError } from '@restack/core';

export const DAY_MS = 86_400_000;

/**
 * `--now` and policy dates: `YYYY-MM-DD` (midnight UTC) or an RFC 3339
 * time. Anything else is a usage error, never a silent `Invalid Date`.
 */
export function parseInstant(text: string, where = '--now'): Date {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;
  const at = new Date(day);
  if (!rfc3339.test(day) || Number.isNaN(at.getTime())) {
    throw new RestackError('lifecycle.bad-date', `"${text}" is not a date`, {
      where,
      fix: 'write a day as YYYY-MM-DD or a time as RFC 3339, e.g. 2025-06-30T12:00:00Z',
    });
  }
  return at;
}

/** Days from `from` to `to`, to one decimal, never below zero. */
export function ageInDays(from: Date, to: Date): number {
  return Math.max(0, Math.floor(((to.getTime() - from.getTime()) / DAY_MS) * 10) / 10);
}

/** `YYYY-MM-DD` of an instant in UTC. */
export function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** True while `day` (YYYY-MM-DD, inclusive) has not ended at `now` (UTC). */
export function dayNotPast(day: string, now: Date): boolean {
  return isoDay(now) <= day;
}
