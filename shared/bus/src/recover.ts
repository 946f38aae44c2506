import { backoffDelay, sleep } from './backoff.js';

/**
 * An error a NATS server coming back explains (a restart, JetStream not up
 * yet): a request timed out, nobody answered, or the connection dropped.
 * "Not found" is never one: what is missing stays missing.
 */
export function isTransient(e: unknown): boolean {
  if (!(e instanceof Error) || /not found/i.test(e.message)) return false;
  return (
    e.name === 'TimeoutError' ||
    /timeout|timed out|no responders|\b503\b|disconnect|connection (?:closed|refused|lost)/i.test(
      e.message,
    )
  );
}

/**
 * Runs `fn`, and again on a transient error until `withinMs` (default 30 s)
 * has passed, so a service starting while nats-server restarts waits for it
 * instead of exiting. Only for work that is safe to repeat.
 */
export async function whileRecovering<T>(
  fn: () => Promise<T>,
  options: { withinMs?: number; signal?: AbortSignal } = {},
): Promise<T> {
  const deadline = Date.now() + (options.withinMs ?? 30_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const left = deadline - Date.now();
      if (!isTransient(e) || left <= 0 || options.signal?.aborted) throw e;
      await sleep(
        Math.min(left, backoffDelay(attempt, { initialMs: 250, maxMs: 5_000 })),
        options.signal,
      );
    }
  }
}
