import { z } from 'zod';
import { countBySeverity, severityCountsSchema } from './severity.js';
import {
  findingKey,
  vulnerabilitySchema,
  type Vulnerability,
  type VulnerabilityReport,
} from './vulnerability.js';

export const vulnerabilityDeltaSchema = z.object({
  /** In the image before the rebuild, gone from the rebuilt one. */
  fixed: z.array(vulnerabilitySchema),
  /** New in the rebuilt image. */
  introduced: z.array(vulnerabilitySchema),
  counts: z.object({
    fixed: severityCountsSchema,
    introduced: severityCountsSchema,
    /** Found in both images. */
    remaining: severityCountsSchema,
  }),
});
export type VulnerabilityDelta = z.infer<typeof vulnerabilityDeltaSchema>;

/**
 * What a rebuild did to an image's vulnerabilities. A finding is the same
 * in both reports when its id and package are (the installed version is what
 * a rebuild changes). Both reports should come from the same scanner and,
 * ideally, the same database: the caller records both dates.
 */
export function vulnerabilityDelta(
  before: Pick<VulnerabilityReport, 'vulnerabilities'>,
  after: Pick<VulnerabilityReport, 'vulnerabilities'>,
): VulnerabilityDelta {
  const beforeKeys = new Set(before.vulnerabilities.map(findingKey));
  const afterKeys = new Set(after.vulnerabilities.map(findingKey));
  const fixed: Vulnerability[] = before.vulnerabilities.filter(
    (v) => !afterKeys.has(findingKey(v)),
  );
  const introduced: Vulnerability[] = [];
  const remaining: Vulnerability[] = [];
  for (const v of after.vulnerabilities)
    (beforeKeys.has(findingKey(v)) ? remaining : introduced).push(v);
  // The remaining findings are the rebuilt image's report minus `introduced`: only their counts are kept.
  return {
    fixed,
    introduced,
    counts: {
      fixed: countBySeverity(fixed),
      introduced: countBySeverity(introduced),
      remaining: countBySeverity(remaining),
    },
  };
}
