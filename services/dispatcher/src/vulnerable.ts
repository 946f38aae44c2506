import type { EventOf } from '@restack/events';
import { startCampaign, type DispatcherPorts } from './handlers.js';

/**
 * restack.image.vulnerable with a rebuild started: the scanner found
 * findings the image's newer base already fixes, so the image's Dockerfile
 * and its descendants are rebuilt, planned by the graph as for a stale image.
 * The campaign id comes from the event (one per image and digest), so a
 * daily rescan of an image still vulnerable does not start a second one.
 */
export async function onImageVulnerable(
  event: EventOf<'restack.image.vulnerable'>,
  ports: DispatcherPorts,
): Promise<void> {
  const d = event.data;
  const log = ports.log.child({ image: d.image, digest: d.digest, eventId: event.id });
  if (!d.rebuild.started || !d.rebuild.campaignId) {
    log.info({ reason: d.rebuild.reason }, 'vulnerable image: no rebuild asked');
    return;
  }
  const plan = await ports.planner?.(d.image);
  if (!plan || plan.waves.length === 0) {
    log.warn({}, 'vulnerable image has no Dockerfile in the graph; nothing to rebuild');
    return;
  }
  await startCampaign(ports, {
    ...plan,
    campaignId: d.rebuild.campaignId,
    reason: 'vulnerable',
    // Keyed on the image, as for stale images: a campaign for the base's own
    // digest change (other images too) must not be superseded by this one.
    trigger: { ref: d.image, previousDigest: d.digest, digest: d.digest },
  });
  log.info({ campaignId: d.rebuild.campaignId }, 'rebuild campaign started for a vulnerable image');
}
