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
  type ActionRule,
  type CampaignRecord,
  type Limits,
} from '@restack/campaign';
import type { Logger } from '@restack/core';
import type { EventData, EventOf, RestackEvent } from '@restack/events';
import { promotionTransition } from './promotion.js';
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
 * Advances `c` against what every other campaign holds in flight. Handlers
 * run concurrently: the usage comes from memory, which counts this
 * process's writes still in flight (the store reserves each write as it
 * decides it), so the limits hold exactly here without advancing one
 * campaign at a time (replicas still race, as they always did).
 */
function advanceNow(ports: DispatcherPorts, c: CampaignRecord): CampaignRecord | undefined {
  // From memory: reading every campaign from KV on each event made the dispatcher O(campaigns) per event.
  const usage = ports.store.usageExcept(c.campaignId);
  return advance(c, { now: ports.clock(), limits: ports.settings.limits, usage });
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
  const record = await ports.store.mutate(campaignId, (c) =>
    c ? advanceNow(ports, c) : undefined,
  );
  return record ? publishOutbox(ports, record) : null;
}

/** Publishes the requests the record's outbox holds, then clears it. */
async function publishOutbox(
  ports: DispatcherPorts,
  record: CampaignRecord,
): Promise<CampaignRecord | null> {
  const { campaignId } = record;
  await markProduced(ports, record);
  const events = outboxEvents(record);
  await Promise.all(events.map((event) => ports.publish(event)));
  if (events.length === 0) return record;
  ports.log.info({ campaignId, requests: events.map((e) => e.type) }, 'requests published');
  return ports.store.mutate(campaignId, (c) => (c ? markPublished(c, ports.clock()) : undefined));
}

const produced = new WeakMap<CampaignStore, Set<string>>();

/** Indexes each image the campaign rebuilt (once per process), for startCampaign's late cover. */
async function markProduced(ports: DispatcherPorts, c: CampaignRecord): Promise<void> {
  let seen = produced.get(ports.store);
  if (!seen) produced.set(ports.store, (seen = new Set()));
  for (const t of Object.values(c.targets)) {
    if (t.image === undefined || !t.effect.digest) continue;
    const key = `${imageName(t.image)}@${t.effect.digest}`;
    if (seen.has(key)) continue;
    await ports.store.markProduced(imageName(t.image), t.effect.digest, c.campaignId);
    seen.add(key);
  }
}

/** Records a plan (once), supersedes the older campaign of the same trigger, and starts wave 0. */
export async function startCampaign(ports: DispatcherPorts, plan: Plan): Promise<void> {
  const { settings } = ports;
  // Only active campaigns rebuilding an image of the trigger's repository can cover this one.
  const others = ports.store.activeWithImage(imageName(plan.trigger.ref));
  // The campaign that rebuilt the trigger image as this digest covers us even after it finished:
  // the watcher may see that push long after (its poll schedule, a restart).
  const moved = (plan.reason ?? 'digest-changed') === 'digest-changed';
  const producer = moved
    ? await ports.store.producedBy(imageName(plan.trigger.ref), plan.trigger.digest)
    : null;
  const late =
    producer && !others.some((o) => o.campaignId === producer)
      ? await ports.store.get(producer)
      : null;
  const covering = late ? [...others, late] : others;
  // Created with wave 0 already advanced: one write instead of two.
  let made: CampaignRecord | undefined;
  const created = await ports.store.mutate(plan.campaignId, (c) => {
    if (c) return (made = undefined);
    const now = ports.clock();
    const fresh = createCampaign(plan, { now, dryRun: settings.dryRun, actions: settings.actions });
    const covered = coverChained(fresh, covering, imageName, now) ?? fresh;
    return (made = advanceNow(ports, covered) ?? covered);
  });
  // A late redelivery of a campaign that was already superseded must not win the trigger back.
  if (created && created.state !== 'superseded') {
    // Also on a redelivery after a crash between the swap and the supersede: the index remembers.
    const previous = await ports.store.swapTrigger(plan.trigger.ref, {
      campaignId: plan.campaignId,
      digest: plan.trigger.digest,
    });
    if (previous && previous !== plan.campaignId) {
      const now = ports.clock();
      const superseded = await ports.store.change(previous, (c) =>
        supersede(c, plan.campaignId, now),
      );
      if (superseded)
        ports.log.info({ campaignId: previous, by: plan.campaignId }, 'campaign superseded');
      // Advanced before the older campaign let go of its requests: what waited on a limit may go now.
      if (waitsOnLimit(created)) return void (await settle(ports, plan.campaignId));
    }
  }
  // A redelivered plan finds the campaign made: advance it as any other event would.
  if (created && created === made) await publishOutbox(ports, created);
  else await settle(ports, plan.campaignId);
}

function waitsOnLimit(c: CampaignRecord): boolean {
  return Object.values(c.targets).some(
    (t) => t.state === 'pending' && t.reason?.startsWith('limit:') === true,
  );
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

/** Applies `fn` to the active campaigns with a target producing an image of repository `name`. */
async function eachActive(
  ports: DispatcherPorts,
  name: string,
  fn: (c: CampaignRecord) => CampaignRecord | undefined,
): Promise<void> {
  for (const c of ports.store.activeWithImage(name)) {
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
  await eachActive(ports, name, (c) =>
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
    | 'restack.image.promoted'
    | 'restack.promotion.refused'
  >,
  ports: DispatcherPorts,
): Promise<void> {
  const { campaignId } = event.data;
  const max = ports.settings.maxAttempts;
  switch (event.type) {
    case 'restack.pr.opened':
      return onTarget(ports, campaignId, (c, now) =>
        onPrOpened(c, event.data.targetId, event.data, now),
      );
    case 'restack.pr.updated':
      return onTarget(ports, campaignId, (c, now) =>
        onPrUpdated(c, event.data.targetId, event.data, now),
      );
    case 'restack.pr.failed':
    case 'restack.build.failed':
      return onTarget(ports, campaignId, (c, now) =>
        onFailure(c, event.data.targetId, event.data.failure, max, now),
      );
    case 'restack.build.completed': {
      // A build pushed to its staging reference waits for the gate.
      const staged = promotionTransition(event);
      if (staged) return onTarget(ports, campaignId, staged);
      const { targetId, image, tags, digest } = event.data;
      return onTarget(ports, campaignId, (c, now) =>
        onImageDigest(c, (t) => t.id === targetId, { ref: `${image}:${tags[0]}`, digest }, now),
      );
    }
    case 'restack.image.promoted':
    case 'restack.promotion.refused': {
      const gate = promotionTransition(event);
      return gate ? onTarget(ports, campaignId, gate) : undefined;
    }
  }
}

/** The schedule: stale deadlines, targets waiting on limits or windows, outboxes left by a crash. */
export async function tick(ports: DispatcherPorts): Promise<void> {
  for (const c of ports.store.live()) {
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
