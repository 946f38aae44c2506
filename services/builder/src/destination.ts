import type { EventData } from '@restack/events';
import { stagingTarget, type PromoteSettings } from '@restack/promote';

type BuildRequested = EventData<'restack.build.requested'>;

/** Where a build is pushed, and what the events about it say. */
export interface Destination {
  /** Repository pushed to (the staging repository under the promotion gate). */
  image: string;
  /** Tags pushed to `image`. */
  tags: string[];
  /** Production tags waiting for the gate; undefined without `promote`. */
  promotion?: NonNullable<EventData<'restack.build.completed'>['promotion']>;
}

/**
 * The requested tags, or, when the image has `promote` config, only its
 * staging reference: production tags change only when the gate passes.
 */
export function destination(
  d: BuildRequested,
  promote: PromoteSettings | undefined,
  revision: string | null,
): Destination {
  if (!promote) return { image: d.image, tags: d.tags };
  const staging = stagingTarget({ name: d.image, promote }, { revision, campaignId: d.campaignId });
  return {
    image: staging.name,
    tags: [staging.tag],
    promotion: {
      image: d.image,
      to: d.tags,
      targetId: d.targetId,
      repository: d.repository,
    },
  };
}
