import type { EventData } from '@restack/events';
import { stagingReference, type PromoteSettings } from '@restack/promote';
import { parseReference } from '@restack/reference';

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
  const staging = stagingReference(
    { name: d.image, promote },
    { revision, campaignId: d.campaignId },
  );
  // stagingReference returns a parsed and formatted `host/repo:tag`.
  const parsed = parseReference(staging);
  const ref = parsed.ok ? parsed.ref : null;
  return {
    image: ref?.name ?? staging.slice(0, staging.lastIndexOf(':')),
    tags: [ref?.tag ?? staging.slice(staging.lastIndexOf(':') + 1)],
    promotion: {
      image: d.image,
      to: d.tags,
      targetId: d.targetId,
      repository: d.repository,
    },
  };
}
