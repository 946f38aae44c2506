import {
  TERMINAL,
  advance,
  coverChained,
  createCampaign,
  imageName,
  markPublished,
  markStale,
  onFailure,
  onImageDigest,
  onPrOpened,
  onPrUpdated,
  outboxEvents,
  supersede,
  usageOf,
  type ActionRule,
  type CampaignRecord,
  type Limits,
} from '@restack/campaign';
import type { Logger } from '@restack/core';
import type { EventData, EventOf, RestackEvent } from '@restack/events';
import type { CampaignStore } from './store.js';

type Plan = EventData<'restack.campaign.planned'>;

/** Plans the rebuild of one image and its descendants (for image-age campaigns); the graph answers it. */
export type ImagePlanner = (image: string) => Promise<Pick<Plan, 'waves' | 'targets'> | undefined>;

export interface DispatcherSettings {
  actions: ActionRule[];
  dryRun: boolean;
  limits: Limits;
  /** Requested targets not done by then go stale. */
  staleAfterMs: number;
  /** Attempts per target after retryable failures. */
  maxAttempts: number;
}

/** Everything a dispatcher handler touches. */
export interface DispatcherPorts {
  store: CampaignStore;
  publish(event: RestackEvent): Promise<unknown>;
  clock(): Date;
  settings: DispatcherSettings;
  log: Logger;
  planner?: ImagePlanner;
}

/**
 * Advances a campaign, then publishes what its outbox holds and clears it.
 * Crash-safe: the request is recorded before it is published, and the tick
 * (or the next event) republishes an outbox left behind, under the same id.
 */
export async function settle(
  ports: DispatcherPorts,
  campaignId: string,
): Promise<CampaignRecord | null> {
  const others = (await ports.store.list()).filter((c) => c.campaignId !== campaignId);
  const usage = usageOf(others);
  const now = ports.clock();
  const record = await ports.store.mutate(campaignId, (c) =>
    c ? advance(c, { now, limits: ports.settings.limits, usage }) : undefined,
  );
  if (!record) return null;
  const events = outboxEvents(record);
  for (const event of events) await ports.publish(event);
  if (events.length > 0) {
    ports.log.info({ campaignId, requests: events.map((e) => e.type) }, 'requests published');
  }
  return ports.store.mutate(campaignId, (c) => (c ? markPublished(c, ports.clock()) : undefined));
}

/** Records a plan (once), supersedes the older campaign of the same trigger, and starts wave 0. */
export async function startCampaign(ports: DispatcherPorts, plan: Plan): Promise<void> {
  const { settings } = ports;
  const others = await ports.store.list();
  const created = await ports.store.mutate(plan.campaignId, (c) => {
    if (c) return undefined;
    const now = ports.clock();
    const fresh = createCampaign(plan, { now, dryRun: settings.dryRun, actions: settings.actions });
    return coverChained(fresh, others, imageName, now) ?? fresh;
  });
  // A late redelivery of a campaign that was already superseded must not win the trigger back.
  if (created && created.state !== 'superseded') {
    const previous = await ports.store.swapTrigger(plan.trigger.ref, {
      campaignId: plan.campaignId,
      digest: plan.trigger.digest,
    });
    if (previous && previous.campaignId !== plan.campaignId) {
      const now = ports.clock();
      await ports.store.change(previous.campaignId, (c) => supersede(c, plan.campaignId, now));
      ports.log.info(
        { campaignId: previous.campaignId, by: plan.campaignId },
        'campaign superseded',
      );
    }
  }
  await settle(ports, plan.campaignId);
}

export async function onCampaignPlanned(
  event: EventOf<'restack.campaign.planned'>,
  ports: DispatcherPorts,
) {
  await startCampaign(ports, event.data);
}

/** An image-age campaign: that image's Dockerfile and its descendants. */
export async function onImageStale(event: EventOf<'restack.image.stale'>, ports: DispatcherPorts) {
  const plan = await ports.planner?.(event.data.image);
  if (!plan || plan.waves.length === 0) {
    ports.log.warn(
      { image: event.data.image },
      'stale image has no Dockerfile in the graph; nothing to rebuild',
    );
    return;
  }
  await startCampaign(ports, {
    ...plan,
    campaignId: `stale:${event.data.image}@${event.data.digest}`,
    reason: 'stale',
    trigger: {
      ref: event.data.image,
      previousDigest: event.data.digest,
      digest: event.data.digest,
    },
  });
}

async function eachActive(
  ports: DispatcherPorts,
  fn: (c: CampaignRecord) => CampaignRecord | undefined,
): Promise<void> {
  for (const c of await ports.store.list()) {
    if (c.state !== 'active') continue;
    const changed = await ports.store.change(c.campaignId, fn);
    if (changed) await settle(ports, c.campaignId);
  }
}

/** Chaining: an internal image seen at a new digest finishes its target; the next wave may go. */
export async function onDigestChanged(
  event: EventOf<'restack.digest.changed'>,
  ports: DispatcherPorts,
) {
  const name = imageName(event.data.ref);
  const now = ports.clock();
  await eachActive(ports, (c) =>
    onImageDigest(
      c,
      (t) => t.image !== undefined && imageName(t.image) === name && t.action !== 'build',
      { ref: event.data.ref.split('@')[0]!, digest: event.data.digest },
      now,
    ),
  );
}

async function onTarget(
  ports: DispatcherPorts,
  campaignId: string,
  fn: (c: CampaignRecord, now: Date) => CampaignRecord | undefined,
): Promise<void> {
  const now = ports.clock();
  await ports.store.change(campaignId, (c) => fn(c, now));
  // Even when a redelivered event changes nothing, the outbox may hold what a crash left unpublished.
  await settle(ports, campaignId);
}

export async function onWorkerEvent(
  event: EventOf<
    | 'restack.pr.opened'
    | 'restack.pr.updated'
    | 'restack.pr.failed'
    | 'restack.build.completed'
    | 'restack.build.failed'
  >,
  ports: DispatcherPorts,
): Promise<void> {
  const { campaignId, targetId } = event.data;
  const max = ports.settings.maxAttempts;
  switch (event.type) {
    case 'restack.pr.opened':
      return onTarget(ports, campaignId, (c, now) => onPrOpened(c, targetId, event.data, now));
    case 'restack.pr.updated':
      return onTarget(ports, campaignId, (c, now) => onPrUpdated(c, targetId, event.data, now));
    case 'restack.pr.failed':
    case 'restack.build.failed':
      return onTarget(ports, campaignId, (c, now) =>
        onFailure(c, targetId, event.data.failure, max, now),
      );
    case 'restack.build.completed': {
      const ref = `${event.data.image}:${event.data.tags[0]}`;
      return onTarget(ports, campaignId, (c, now) =>
        onImageDigest(c, (t) => t.id === targetId, { ref, digest: event.data.digest }, now),
      );
    }
  }
}

/** The schedule: stale deadlines, targets waiting on limits or windows, outboxes left by a crash. */
export async function tick(ports: DispatcherPorts): Promise<void> {
  for (const c of await ports.store.list()) {
    if (c.state !== 'active') continue;
    const now = ports.clock();
    const stale = await ports.store.change(c.campaignId, (cur) =>
      markStale(cur, ports.settings.staleAfterMs, now),
    );
    if (stale) {
      const gone = Object.values(stale.targets).filter((t) => t.state === 'stale');
      ports.log.warn(
        { campaignId: c.campaignId, stale: gone.map((t) => t.id) },
        'targets went stale',
      );
    }
    await settle(ports, c.campaignId);
  }
}

export { TERMINAL };
