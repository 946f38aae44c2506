import { createTask } from 'node-cron';

const MIN_LEASE_MS = 60_000;

/**
 * Twice the shortest gap between runs of any schedule: a live holder renews
 * well before it ends, and a dead one is replaced after at most two cycles.
 */
export function leaseTtlFor(expressions: readonly string[]): number {
  let shortest = Infinity;
  for (const expr of expressions) {
    const task = createTask(expr, () => undefined);
    const runs = task.getNextRuns(3);
    void task.destroy();
    for (let i = 1; i < runs.length; i++)
      shortest = Math.min(shortest, runs[i]!.getTime() - runs[i - 1]!.getTime());
  }
  return Number.isFinite(shortest) ? Math.max(MIN_LEASE_MS, 2 * shortest) : 20 * 60_000;
}

/** Runs `work` over `items` with at most `limit` at once. */
export async function runPool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}
