import type { Catalog } from '@restack/eol';
import type { DataSource } from '@restack/lifecycle';
import { formatReference } from '@restack/reference';
import { copyToTargets, productionTargets, readStaged } from './copy.js';
import { runGate } from './gate.js';
import type { PromotionRequest, PromotionResult, PromotionVerdict } from './types.js';

export interface PromoteOptions {
  /** Defaults to the bundled end-of-life catalog. */
  eol?: Catalog;
  /** Extra audit sources (the config file the policies came from). */
  sources?: DataSource[];
}

/**
 * Gate, then copy. The gate runs on the digest the copy will write, so what
 * passed is what reaches production. A refused gate writes nothing; errors
 * (unreadable image, registry refusal) throw RestackError.
 */
export async function promoteImage(
  req: PromotionRequest,
  options: PromoteOptions = {},
): Promise<PromotionResult> {
  const staged = await readStaged(req.registry, req.image);
  const targets = productionTargets(req.to, req.repository ?? staged.ref.name);
  const verdicts = await runGate({
    ...req,
    staged: { digest: staged.top.digest, platforms: staged.platforms },
    ...options,
  });
  const image = formatReference(staged.ref);
  const failed = verdicts.filter((v) => v.result === 'fail');
  if (failed.length > 0) {
    return {
      image,
      digest: staged.top.digest,
      promoted: [],
      verdicts,
      outcome: 'refused',
      reason: refusal(failed),
    };
  }
  const copy = await copyToTargets(req.registry, staged, targets);
  return {
    image,
    digest: staged.top.digest,
    promoted: copy.promoted,
    verdicts,
    outcome: 'promoted',
    reason: null,
  };
}

function refusal(failed: readonly PromotionVerdict[]): string {
  const first = failed
    .slice(0, 3)
    .map((v) => `${v.policy}/${v.rule}: ${v.message}`)
    .join('; ');
  const more = failed.length > 3 ? ` (and ${failed.length - 3} more)` : '';
  return `refused by policy: ${first}${more}`;
}
