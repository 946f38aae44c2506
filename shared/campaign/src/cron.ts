import type { Schedule } from './schema.js';

/** Five-field cron (minute hour day-of-month month day-of-week), UTC, as crontab(5) reads it. */
const RANGES = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
] as const;

function parseField(field: string, [lo, hi]: readonly [number, number]): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let [from, to] = [lo, hi];
    if (range !== '*') {
      const [a, b] = range.split('-');
      from = Number(a);
      to = b === undefined ? (stepText === undefined ? from : hi) : Number(b);
    }
    if (
      ![from, to, step].every(Number.isInteger) ||
      step < 1 ||
      from < lo ||
      to > hi ||
      from > to
    ) {
      throw new RangeError(`invalid cron field "${field}"`);
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

export interface CronMatcher {
  matches(at: Date): boolean;
}

export function parseCron(expression: string): CronMatcher {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new RangeError(`cron "${expression}" needs five fields`);
  const [min, hour, dom, mon, dow] = fields.map((f, i) => parseField(f, RANGES[i]!));
  if (dow!.has(7)) dow!.add(0);
  // crontab(5): when both day fields are restricted, either may match.
  const domAny = fields[2] === '*';
  const dowAny = fields[4] === '*';
  return {
    matches(at) {
      const dayOk =
        domAny || dowAny
          ? dom!.has(at.getUTCDate()) && dow!.has(at.getUTCDay())
          : dom!.has(at.getUTCDate()) || dow!.has(at.getUTCDay());
      return (
        min!.has(at.getUTCMinutes()) &&
        hour!.has(at.getUTCHours()) &&
        mon!.has(at.getUTCMonth() + 1) &&
        dayOk
      );
    },
  };
}

/** True when `now` lies in a window that opened at a cron tick less than `durationMinutes` ago. */
export function inSchedule(schedules: readonly Schedule[], now: Date): boolean {
  if (schedules.length === 0) return true;
  const minute = Math.floor(now.getTime() / 60_000) * 60_000;
  return schedules.some((s) => {
    const cron = parseCron(s.cron);
    for (let back = 0; back < s.durationMinutes; back++) {
      if (cron.matches(new Date(minute - back * 60_000))) return true;
    }
    return false;
  });
}
