const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of an instant, in UTC. */
export function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * Whole days from `date` (a `YYYY-MM-DD` day) to the UTC day of `now`:
 * 0 on the day itself, negative before it. Dates are calendar days, so the
 * time of day of `now` never changes the answer.
 */
export function daysSince(date: string, now: Date): number {
  const day = Date.parse(`${date}T00:00:00Z`);
  const today = Date.parse(`${isoDay(now)}T00:00:00Z`);
  return Math.round((today - day) / DAY_MS);
}

/** The earliest of some `YYYY-MM-DD` days (they sort as strings). */
export function earliestDay(days: readonly string[]): string | null {
  return days.length === 0 ? null : [...days].sort()[0]!;
}
