import { onPromoted, onPromotionRefused, onStaged, type CampaignRecord } from '@restack/campaign';
import type { EventOf } from '@restack/events';

type GateEvent = EventOf<
  'restack.build.completed' | 'restack.image.promoted' | 'restack.promotion.refused'
>;

/**
 * The promotion gate's events as campaign transitions: a build pushed to a
 * staging reference keeps its target waiting; `image.promoted` finishes it
 * (children may build on the production digest); `promotion.refused` fails
 * it for good and blocks its descendants. Undefined: not a gate event.
 */
export function promotionTransition(
  event: GateEvent,
): ((c: CampaignRecord, now: Date) => CampaignRecord | undefined) | undefined {
  switch (event.type) {
    case 'restack.build.completed': {
      const { promotion, image, tags, digest, targetId } = event.data;
      if (!promotion) return undefined;
      const ref = `${image}:${tags[0]!}`;
      return (c, now) => onStaged(c, targetId, { ref, digest }, now);
    }
    case 'restack.image.promoted': {
      const { targetId, promoted, digest } = event.data;
      if (targetId === undefined) return undefined;
      // Children pin the production reference at the promoted digest.
      const ref = promoted[0]!.split('@')[0]!;
      return (c, now) => onPromoted(c, targetId, { ref, digest }, now);
    }
    case 'restack.promotion.refused': {
      const { targetId, reason } = event.data;
      if (targetId === undefined) return undefined;
      return (c, now) => onPromotionRefused(c, targetId, reason, now);
    }
  }
}
