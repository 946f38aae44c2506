import { createHash } from 'node:crypto';
import { createEvent, stableEventId, type EventOf } from '@restack/events';
import { planChange, type Graph } from '@restack/graph';
import { parseReference, type ImageReference } from '@restack/reference';
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
  const targets = campaignTargets(plan.waves, graph, locate);
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

type Target = EventOf<'restack.campaign.planned'>['data']['targets'][number];

// Built once per graph (a graph is never changed in place), not once per campaign.
const imageIndex = new WeakMap<
  Graph,
  Map<string, Graph['nodes'][number]['images'][number] | undefined>
>();
function imagesByDockerfile(graph: Graph) {
  let images = imageIndex.get(graph);
  if (!images) {
    images = new Map(graph.nodes.map((n) => [n.dockerfile, n.images[0]]));
    imageIndex.set(graph, images);
  }
  return images;
}

/** One target per Dockerfile of the waves: where it lives and how it is rebuilt. */
export function campaignTargets(
  waves: readonly string[][],
  graph: Graph,
  locate: (dockerfile: string) => Location | undefined,
): Target[] {
  const images = imagesByDockerfile(graph);
  return waves.flat().map((id) => {
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
}

/**
 * The rebuild of one image (an image-age campaign): the Dockerfiles that
 * produce it first, then everything built on it, in the waves `restack plan`
 * gives. Null when no Dockerfile in the graph produces the image.
 */
export function planImage(
  image: string,
  graph: Graph,
  locate: (dockerfile: string) => Location | undefined,
): { waves: string[][]; targets: Target[] } | null {
  const parsed = parseReference(image);
  if (!parsed.ok) return null;
  const wanted = parsed.ref;
  const own = graph.nodes.filter((n) => n.images.some((i) => produces(i, wanted)));
  if (own.length === 0) return null;
  const ownIds = new Set(own.map((n) => n.dockerfile));
  // Every name:tag the producing Dockerfiles publish moves when they are rebuilt.
  const produced: ImageReference[] = [];
  for (const n of own) {
    for (const i of n.images) {
      for (const tag of i.tags.length ? i.tags : ['latest']) {
        const ref = parseReference(`${i.name}:${tag}`);
        if (ref.ok) produced.push(ref.ref);
      }
    }
  }
  const below = planChange(graph, produced).waves.map((w) => w.filter((id) => !ownIds.has(id)));
  const waves = [[...ownIds].sort(), ...below].filter((w) => w.length > 0);
  return { waves, targets: campaignTargets(waves, graph, locate) };
}

function produces(image: { name: string; tags: string[] }, wanted: ImageReference): boolean {
  if (image.name !== wanted.name) return false;
  if (wanted.tag === null) return true;
  return (image.tags.length ? image.tags : ['latest']).includes(wanted.tag);
}
