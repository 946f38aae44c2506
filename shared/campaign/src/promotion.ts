import { apply, setState } from './machine.js';
import type { CampaignRecord } from './schema.js';

/**
 * The promotion gate in the campaign: a build target whose image has
 * `promote` config is built to a staging reference (staged), and is done only
 * once that image is promoted to its production tags. A refused promotion
 * fails the target for good (a rebuild would be refused again) and blocks its
 * descendants: they must never build on an unpromoted parent.
 */

/** The build pushed to a staging reference; the target waits for the gate. */
export function onStaged(
  c: CampaignRecord,
  targetId: string,
  staged: { ref: string; digest: string },
  now: Date,
): CampaignRecord | undefined {
  return apply(c, targetId, now, (t) => {
    if (t.state !== 'requested' || t.effect.promotion !== undefined) return false;
    t.effect = { ...t.effect, staging: `${staged.ref}@${staged.digest}`, promotion: 'pending' };
    t.reason = `built as ${staged.ref}@${staged.digest}; waiting for promotion`;
    return true;
  });
}

/** The gate passed: production points at the new digest, so children may build on it. */
export function onPromoted(
  c: CampaignRecord,
  targetId: string,
  promoted: { ref: string; digest: string },
  now: Date,
): CampaignRecord | undefined {
  return apply(c, targetId, now, (t, at) => {
    if (t.state !== 'requested') return false;
    t.effect = {
      ...t.effect,
      digest: promoted.digest,
      imageRef: promoted.ref,
      promotion: 'promoted',
    };
    setState(t, 'done', at, `promoted to ${promoted.ref} as ${promoted.digest}`);
    return true;
  });
}

/** The gate refused: production unchanged, the target fails without retry, descendants block. */
export function onPromotionRefused(
  c: CampaignRecord,
  targetId: string,
  reason: string,
  now: Date,
): CampaignRecord | undefined {
  return apply(c, targetId, now, (t, at) => {
    if (t.state !== 'requested') return false;
    t.effect = { ...t.effect, promotion: 'refused', refusal: reason };
    setState(t, 'failed', at, `promotion refused: ${reason}`);
    return true;
  });
}
