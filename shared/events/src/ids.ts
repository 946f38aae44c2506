import { createHash, randomFillSync, randomUUID } from 'node:crypto';

/** Namespace for restack's name-based (v5) event ids; any fixed UUID works, this one is ours. */
const RESTACK_NAMESPACE = Buffer.from('5f2b6f1e9a3c4d8e8b7a0c1d2e3f4a5b', 'hex');

/**
 * A UUID (version 5, RFC 9562 section 5.5) derived from `parts`, so that a
 * producer that republishes the same fact (same campaign and target, say)
 * gets the same id and JetStream drops the duplicate.
 */
export function stableEventId(...parts: readonly string[]): string {
  if (parts.length === 0) throw new TypeError('stableEventId needs at least one part');
  // Length-prefix each part so ('a:b','c') and ('a','b:c') differ.
  const name = parts.map((p) => `${p.length}:${p}`).join('|');
  const hash = createHash('sha1').update(RESTACK_NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function randomEventId(): string {
  return randomUUID();
}

// Random bytes drawn 4 KiB at a time: one call per id cost more than the rest of the event.
const pool = Buffer.alloc(4096);
let used = pool.length;

function nonZeroHex(bytes: number): string {
  for (;;) {
    if (used + bytes > pool.length) {
      randomFillSync(pool);
      used = 0;
    }
    const hex = pool.toString('hex', used, (used += bytes));
    if (!/^0+$/.test(hex)) return hex;
  }
}

/** A new trace: fresh trace id and span id, sampled. */
export function newTraceparent(): string {
  return `00-${nonZeroHex(16)}-${nonZeroHex(8)}-01`;
}

/** The same trace with a new span id, for an event caused by another one. */
export function childTraceparent(parent: string): string {
  const [version, traceId, , flags] = parent.split('-');
  if (version !== '00' || !traceId || !flags) return newTraceparent();
  return `00-${traceId}-${nonZeroHex(8)}-${flags}`;
}
