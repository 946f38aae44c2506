import { randomUUID } from 'node:crypto';
import type { Bus, Lease } from '@restack/bus';
import { errorMessage, type Logger } from '@restack/core';
import type { RescanSettings } from '@restack/scan';
import { schedule } from 'node-cron';
import type { RescanRunSummary } from './rescan-run.js';

export const RESCAN_LEASE_KEY = 'scanner.rescan';

export interface RescanScheduleOptions {
  bus: Bus;
  log: Logger;
  settings: RescanSettings;
  /** One run over every target; `shouldContinue` is false once the lease is lost. */
  run(shouldContinue: () => Promise<boolean>): Promise<RescanRunSummary>;
  clock: () => Date;
  /** How long the lease lasts between renewals (one per image). Default 30 minutes. */
  leaseTtlMs?: number;
}

/**
 * Runs the rescan on its cron schedule (UTC), under a KV lease so that one
 * replica rescans at a time; a run still going when the next is due is not
 * started twice. Returns the stop function.
 */
export async function startRescanSchedule(
  options: RescanScheduleOptions,
): Promise<() => Promise<void>> {
  const { bus, log, settings } = options;
  const leases = await bus.leases({ clock: () => options.clock().getTime() });
  const holder = `scanner-${randomUUID()}`;
  const ttl = options.leaseTtlMs ?? 30 * 60_000;
  let running: Promise<void> | null = null;
  async function once(msToNext: () => number | null): Promise<void> {
    let lease: Lease | null = await leases.acquire(RESCAN_LEASE_KEY, holder, ttl);
    if (!lease) {
      log.info({}, 'another replica holds the rescan lease; skipping this run');
      return;
    }
    try {
      await options.run(async () => {
        lease = lease ? await leases.renew(lease, ttl) : null;
        return lease !== null;
      });
    } finally {
      // Hold the lease until just before the next run, so that a replica whose
      // timer fires a moment late does not rescan the same slot again.
      const left = (msToNext() ?? 0) - 250;
      if (lease) {
        if (left > 0) await leases.renew(lease, left).catch(() => null);
        else await leases.release(lease).catch(() => false);
      }
    }
  }
  const task = schedule(
    settings.cron,
    () => {
      running ??= once(() => task.msToNext())
        .catch((e: unknown) => log.error({ err: errorMessage(e) }, 'scheduled rescan failed'))
        .finally(() => (running = null));
    },
    { timezone: 'Etc/UTC', name: 'restack-rescan' },
  );
  log.info({ cron: settings.cron }, 'rescan scheduled (UTC)');
  return async () => {
    await task.stop();
    await task.destroy();
    await running;
  };
}
