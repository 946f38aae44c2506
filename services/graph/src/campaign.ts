import { createHash } from 'node:crypto';
import { createEvent, stableEventId, type EventOf } from '@restack/events';
import { planChange, type Graph } from '@restack/graph';
import { parseReference } from '@restack/reference';
import type { Location } from '@restack/sources';

/** A campaign id from the trigger: the same ref moving to the same digest is the same campaign. */
export function campaignIdFor(ref: string, digest: string): string {
  return `c-${createHash('sha256').update(`${ref}\n${digest}`).digest('hex').slice(0, 24)}`;
}

/**
 * digest.changed -> campaign.planned: the waves `restack plan` gives for the
 * moved reference, each Dockerfile a target. Undefined when nothing depends on
 * it. The event id derives from the campaign id, so a redelivered
 * digest.changed publishes a duplicate JetStream drops.
 */
export function planCampaign(
  event: EventOf<'restack.digest.changed'>,
  graph: Graph,
  locate: (dockerfile: string) => Location | undefined,
): EventOf<'restack.campaign.planned'> | undefined {
  const parsed = parseReference(event.data.ref);
  if (!parsed.ok) return undefined;
  const plan = planChange(graph, [parsed.ref]);
  if (!plan.waves.length) return undefined;
  const campaignId = campaignIdFor(event.data.ref, event.data.digest);
  const images = new Map(graph.nodes.map((n) => [n.dockerfile, n.images[0]]));
  const targets = plan.waves.flat().map((id) => {
    const where = locate(id) ?? { repository: 'local/restack', path: id };
    const image = images.get(id);
    return {
      id,
      ...(image ? { image: `${image.name}:${image.tags[0] ?? 'latest'}` } : {}),
      repository: where.repository,
      dockerfile: where.path,
      // restack builds what its catalog knows the image of; other Dockerfiles get a PR.
      strategy: image ? ('build' as const) : ('pr' as const),
    };
  });
  return createEvent(
    'restack.campaign.planned',
    {
      campaignId,
      trigger: {
        ref: event.data.ref,
        previousDigest: event.data.previousDigest,
        digest: event.data.digest,
      },
      waves: plan.waves,
      targets,
    },
    { id: stableEventId('restack.campaign.planned', campaignId), causedBy: event },
  );
}
