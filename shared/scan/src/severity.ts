import { z } from 'zod';

/**
 * The severities restack counts, highest first: Trivy's set
 * (https://trivy.dev/latest/docs/scanner/vulnerability/#severity-selection).
 * Grype's extra `Negligible` counts as `low`.
 */
export const severities = ['critical', 'high', 'medium', 'low', 'unknown'] as const;
export type Severity = (typeof severities)[number];

export const severityCountsSchema = z.object({
  critical: z.number().int().nonnegative(),
  high: z.number().int().nonnegative(),
  medium: z.number().int().nonnegative(),
  low: z.number().int().nonnegative(),
  unknown: z.number().int().nonnegative(),
});
export type SeverityCounts = z.infer<typeof severityCountsSchema>;

/** `CRITICAL` (Trivy), `Critical` (Grype), `Negligible` (Grype) -> restack's severity. */
export function normaliseSeverity(text: string | undefined): Severity {
  const lower = (text ?? '').trim().toLowerCase();
  if (lower === 'negligible') return 'low';
  return (severities as readonly string[]).includes(lower) ? (lower as Severity) : 'unknown';
}

export function emptyCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
}

export function countBySeverity(items: readonly { severity: Severity }[]): SeverityCounts {
  const counts = emptyCounts();
  for (const item of items) counts[item.severity]++;
  return counts;
}

/** Higher first: critical before high. */
export function compareSeverity(a: Severity, b: Severity): number {
  return severities.indexOf(a) - severities.indexOf(b);
}
