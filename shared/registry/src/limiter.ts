import { sleep } from './retry.js';

export interface LimiterSettings {
  concurrency: number;
  requestsPerSecond: number;
  /** A pause longer than this fails `acquire` at once instead of waiting. */
  maxWaitMs: number;
}

/** Thrown by `acquire` when the registry is paused for longer than `maxWaitMs`. */
export class PausedError extends Error {
  readonly until: number;
  constructor(until: number) {
    super(`paused until ${new Date(until).toISOString()}`);
    this.name = 'PausedError';
    this.until = until;
  }
}

export interface Limiter {
  /** Waits for a slot, the rate and any pause; resolves to the release function. */
  acquire(): Promise<() => void>;
  /** Holds every request to this registry until `until` (ms since epoch). */
  pauseUntil(until: number): void;
  pausedUntil(): number;
}

/**
 * One registry's politeness: at most `concurrency` requests in flight,
 * request starts spaced `1/requestsPerSecond` apart, and nothing sent while
 * the registry has asked us to pause (429 Retry-After).
 */
export function createLimiter(settings: LimiterSettings, now: () => number = Date.now): Limiter {
  const interval = 1000 / settings.requestsPerSecond;
  let active = 0;
  const waiting: Array<() => void> = [];
  let nextStart = 0;
  let paused = 0;

  function release(): void {
    active--;
    const next = waiting.shift();
    if (next) {
      active++;
      next();
    }
  }

  async function slot(): Promise<void> {
    if (active < settings.concurrency) {
      active++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  }

  async function acquire(): Promise<() => void> {
    await slot();
    for (;;) {
      const t = now();
      if (paused - t > settings.maxWaitMs) {
        release();
        throw new PausedError(paused);
      }
      const wait = Math.max(paused - t, nextStart - t);
      if (wait <= 0) {
        nextStart = Math.max(nextStart, t) + interval;
        let released = false;
        return () => {
          if (!released) {
            released = true;
            release();
          }
        };
      }
      // Re-check after the wait: another response may have extended the pause.
      await sleep(wait);
    }
  }

  return {
    acquire,
    pauseUntil(until: number): void {
      paused = Math.max(paused, until);
    },
    pausedUntil: () => paused,
  };
}
