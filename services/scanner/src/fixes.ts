import { encodeKvKey, type TypedKv } from '@restack/bus';
import type { DatedFix } from '@restack/events';
import { compareSeverity, exposureOf, fixKey, type Vulnerability } from '@restack/scan';
import type { FixSeen } from './rescan-store.js';

/** Kept per severity in an event, oldest first: what `maxDaysSinceFix` judges by. */
const MAX_FIXES_PER_SEVERITY = 200;

/** The first time restack saw this fixed version; recorded now when it never did. */
export async function firstSeenFix(
  fixes: TypedKv<FixSeen>,
  v: { id: string; package: string; fixedVersion: string | null },
  now: Date,
): Promise<string> {
  const entry = await fixes.mutate(encodeKvKey(fixKey(v)), (current) =>
    current ? undefined : { firstSeenAt: now.toISOString() },
  );
  return entry?.value.firstSeenAt ?? now.toISOString();
}

/**
 * Every finding with a fix and since when (the report's date, else when
 * restack first saw the fixed version), for restack.scan.completed: the
 * promotion gate's `maxDaysSinceFix` input. At most 200 per severity, the
 * oldest fixes, which are the ones a days limit catches first.
 */
export async function datedFixes(
  fixes: TypedKv<FixSeen>,
  vulnerabilities: readonly Vulnerability[],
  now: Date,
): Promise<DatedFix[]> {
  const out: DatedFix[] = [];
  for (const v of vulnerabilities) {
    if (v.fixedVersion === null) continue;
    const { fixSince } = exposureOf(v, now, await firstSeenFix(fixes, v, now));
    if (fixSince)
      out.push({ id: v.id, package: v.package, severity: v.severity, fixSince: fixSince.at });
  }
  out.sort(
    (a, b) => compareSeverity(a.severity, b.severity) || a.fixSince.localeCompare(b.fixSince),
  );
  const kept = new Map<string, number>();
  return out.filter((f) => {
    const n = (kept.get(f.severity) ?? 0) + 1;
    kept.set(f.severity, n);
    return n <= MAX_FIXES_PER_SEVERITY;
  });
}
