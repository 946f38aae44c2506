import { encodeKvKey, whileRecovering, type ConsumerSpec } from '@restack/bus';
import { errorMessage } from '@restack/core';
import { campaignRecordSchema, type ActionRule, type Limits } from '@restack/campaign';
import { defineService, on, type ServiceDefinition } from '@restack/service';
import type { Registry } from 'prom-client';
import {
  onCampaignPlanned,
  onDigestChanged,
  onImageStale,
  onWorkerEvent,
  tick,
  type DispatcherPorts,
  type ImagePlanner,
} from './handlers.js';
import { watchLiveCampaigns } from './live-campaigns.js';
import { dispatcherMetrics, metricsRegistry, observedStore } from './metrics.js';
import {
  CAMPAIGN_BUCKET,
  TRIGGER_BUCKET,
  campaignStore,
  moveLegacyProduced,
  producedBucket,
  producedSchema,
  triggerIndexSchema,
} from './store.js';
import { onImageVulnerable } from './vulnerable.js';

const WORKER_EVENTS = [
  'restack.pr.opened',
  'restack.pr.updated',
  'restack.pr.failed',
  'restack.build.completed',
  'restack.build.failed',
  // The promotion gate (services/promoter).
  'restack.image.promoted',
  'restack.promotion.refused',
] as const;

export const dispatcherConsumer = {
  durable: 'dispatcher',
  subjects: [
    'restack.campaign.planned',
    'restack.digest.changed',
    'restack.image.stale',
    'restack.image.vulnerable',
    ...WORKER_EVENTS,
  ],
  maxAttempts: 10,
  backoff: { initialMs: 200, maxMs: 10_000 },
  // Events of one trigger, or of one campaign, in order; the rest in parallel (bench/README.md).
  concurrency: 16,
  orderKey: (event) => {
    switch (event.type) {
      case 'restack.campaign.planned':
        return `trigger:${event.data.trigger.ref}`;
      case 'restack.digest.changed':
        return `digest:${event.data.ref}`;
      case 'restack.image.stale':
        return `trigger:${event.data.image}`;
      default:
        return 'campaignId' in event.data ? `campaign:${String(event.data.campaignId)}` : undefined;
    }
  },
} satisfies ConsumerSpec<
  | 'restack.campaign.planned'
  | 'restack.digest.changed'
  | 'restack.image.stale'
  | 'restack.image.vulnerable'
  | (typeof WORKER_EVENTS)[number]
>;

/** The config sections the dispatcher reads (already validated by @restack/config). */
export interface DispatcherConfig {
  actions?: ActionRule[];
  dryRun?: boolean;
  limits: Limits;
  pullRequests?: { staleAfterHours: number };
}

export interface DispatcherOptions {
  config: DispatcherConfig;
  /** `--dry-run`: overrides config. */
  dryRun?: boolean;
  clock?: () => Date;
  planner?: ImagePlanner;
  /** How often waiting targets, deadlines and outboxes are looked at. Default 30 s. */
  tickMs?: number;
  maxAttempts?: number;
  /**
   * Where restack_campaign_duration_seconds and restack_rebuild_lag_seconds
   * go. Default the runtime's registry when its context carries one, else
   * prom-client's default registry.
   */
  metrics?: Registry;
  /** How long the produced-image index remembers a rebuilt digest. Default 90 days. */
  producedRetentionMs?: number;
}

/** The dispatcher as a service definition, for `restack up` (startRuntime) or on its own. */
export function dispatcherService(options: DispatcherOptions): ServiceDefinition<DispatcherPorts> {
  const clock = options.clock ?? (() => new Date());
  const handle = on(dispatcherConsumer, async (event, _ctx, ports: DispatcherPorts) => {
    switch (event.type) {
      case 'restack.campaign.planned':
        return onCampaignPlanned(event, ports);
      case 'restack.digest.changed':
        return onDigestChanged(event, ports);
      case 'restack.image.stale':
        return onImageStale(event, ports);
      case 'restack.image.vulnerable':
        return onImageVulnerable(event, ports);
      default:
        return onWorkerEvent(event, ports);
    }
  });
  const produced = producedBucket(options.producedRetentionMs);
  return defineService<DispatcherPorts>({
    name: 'dispatcher',
    buckets: [CAMPAIGN_BUCKET, TRIGGER_BUCKET, produced],
    handlers: [handle],
    async setup(ctx) {
      const campaigns = await ctx.bus.kv(CAMPAIGN_BUCKET.name, campaignRecordSchema);
      const live = await watchLiveCampaigns(
        campaigns,
        (r) => encodeKvKey(r.campaignId),
        (key, e) =>
          ctx.log.warn({ key, err: errorMessage(e) }, 'unreadable campaign record skipped'),
      );
      const triggers = await ctx.bus.kv(TRIGGER_BUCKET.name, triggerIndexSchema);
      const producedKv = await ctx.bus.kv(produced.name, producedSchema);
      const moved = await whileRecovering(() => moveLegacyProduced(triggers, producedKv));
      if (moved > 0)
        ctx.log.info({ moved }, 'produced-image index moved out of the trigger bucket');
      const store = observedStore(
        campaignStore(campaigns, triggers, producedKv, live),
        dispatcherMetrics(metricsRegistry(options.metrics, ctx)),
      );
      return {
        store,
        publish: (event) => ctx.bus.publish(event),
        clock,
        log: ctx.log,
        ...(options.planner ? { planner: options.planner } : {}),
        settings: {
          actions: options.config.actions ?? [],
          dryRun: options.dryRun ?? options.config.dryRun ?? false,
          limits: options.config.limits,
          staleAfterMs: (options.config.pullRequests?.staleAfterHours ?? 168) * 3_600_000,
          maxAttempts: options.maxAttempts ?? 3,
        },
      };
    },
    async start(ctx, ports) {
      const leases = await ctx.bus.leases({ clock: () => clock().getTime() });
      const every = options.tickMs ?? 30_000;
      const holder = `${ctx.bus.name}-${process.pid}-${Math.random().toString(36).slice(2)}`;
      let running: Promise<void> | undefined;
      const timer = setInterval(() => {
        running ??= (async () => {
          // One replica ticks at a time; the others keep consuming events.
          const lease = await leases.acquire('dispatcher-tick', holder, every * 3);
          if (lease) await tick(ports);
        })()
          .catch((e: unknown) => ctx.log.warn({ err: String(e) }, 'dispatcher tick failed'))
          .finally(() => (running = undefined));
      }, every);
      return async () => {
        clearInterval(timer);
        await running;
      };
    },
  });
}
