import { RestackError } from '@restack/core';
import { z } from 'zod';
import type { TypedKv } from './kv.js';
import type { BucketSpec } from './topology.js';

/** Every process's leases live here; restackTopology always declares it. */
export const LEASE_BUCKET: BucketSpec = {
  name: 'restack-leases',
  history: 1,
  description: 'restack scheduler leases',
};

export const leaseStateSchema = z.object({
  holder: z.string().min(1),
  acquiredAt: z.number().int(),
  /** Milliseconds since the epoch on the holder's clock. */
  expiresAt: z.number().int(),
});

export type LeaseState = z.infer<typeof leaseStateSchema>;

export interface Lease {
  key: string;
  holder: string;
  expiresAt: number;
  /** KV revision written by this holder; every later write is compare-and-set against it. */
  revision: number;
}

export interface Leases {
  /** The lease, or null while another holder has an unexpired one. Acquiring again renews. */
  acquire(key: string, holder: string, ttlMs: number): Promise<Lease | null>;
  /** The renewed lease, or null when it was lost (someone took it over after it expired). */
  renew(lease: Lease, ttlMs: number): Promise<Lease | null>;
  /** False when the lease was no longer ours. */
  release(lease: Lease): Promise<boolean>;
  current(key: string): Promise<(LeaseState & { revision: number }) | null>;
}

function lostRace(e: unknown): boolean {
  return e instanceof RestackError && (e.code === 'KV_EXISTS' || e.code === 'KV_CONFLICT');
}

/**
 * Leases held in KV with compare-and-set: a lease names its holder and its
 * expiry; anyone may take over an expired lease, and of several contenders
 * only the one whose write lands on the revision it read wins. Holders'
 * clocks must agree to well within the ttl (NTP does that).
 */
export function leases(kv: TypedKv<LeaseState>, clock: () => number = Date.now): Leases {
  if (!Number.isFinite(clock())) throw new TypeError('clock must return milliseconds');

  async function write(
    key: string,
    holder: string,
    ttlMs: number,
    revision: number | null,
    acquiredAt?: number,
  ): Promise<Lease | null> {
    if (!(ttlMs > 0))
      throw new RestackError('LEASE_INVALID', `lease ttl must be positive, got ${ttlMs}`, {
        where: key,
      });
    const now = clock();
    const state: LeaseState = { holder, acquiredAt: acquiredAt ?? now, expiresAt: now + ttlMs };
    try {
      const rev =
        revision === null ? await kv.create(key, state) : await kv.update(key, state, revision);
      return { key, holder, expiresAt: state.expiresAt, revision: rev };
    } catch (e) {
      if (lostRace(e)) return null;
      throw e;
    }
  }

  return {
    async acquire(key, holder, ttlMs) {
      const current = await kv.get(key);
      if (!current) return write(key, holder, ttlMs, null);
      const mine = current.value.holder === holder;
      if (!mine && current.value.expiresAt > clock()) return null;
      return write(
        key,
        holder,
        ttlMs,
        current.revision,
        mine ? current.value.acquiredAt : undefined,
      );
    },
    async renew(lease, ttlMs) {
      const current = await kv.get(lease.key);
      if (!current || current.revision !== lease.revision || current.value.holder !== lease.holder)
        return null;
      return write(lease.key, lease.holder, ttlMs, lease.revision, current.value.acquiredAt);
    },
    async release(lease) {
      try {
        await kv.delete(lease.key, lease.revision);
        return true;
      } catch (e) {
        if (lostRace(e)) return false;
        throw e;
      }
    },
    async current(key) {
      const record = await kv.get(key);
      return record ? { ...record.value, revision: record.revision } : null;
    },
  };
}
