import type { CampaignRecord } from '@restack/campaign';
import { Histogram, type Registry } from 'prom-client';
import type { CampaignStore } from './store.js';

export const CAMPAIGN_DURATION_METRIC = 'restack_campaign_duration_seconds';
export const REBUILD_LAG_METRIC = 'restack_rebuild_lag_seconds';

/** Minutes to days: campaigns wait for waves, windows and merges. */
const CAMPAIGN_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400, 259200, 604800];
const LAG_BUCKETS = [30, 60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400, 259200, 604800];

export interface DispatcherMetrics {
  /** Observes what a write changed: a campaign reaching a final state, targets becoming done. */
  observe(before: RecordStates | null, after: CampaignRecord): void;
}

/** The states a record had before a write (the machine may change the record in place). */
export interface RecordStates {
  state: CampaignRecord['state'];
  targets: Record<string, string>;
}

export function statesOf(record: CampaignRecord): RecordStates {
  const targets: Record<string, string> = {};
  for (const [id, t] of Object.entries(record.targets)) targets[id] = t.state;
  return { state: record.state, targets };
}

function histogram(registry: Registry, name: string, make: () => Histogram): Histogram {
  return (registry.getSingleMetric(name) as Histogram | undefined) ?? make();
}

/**
 * The runtime's registry when the service context carries one, else
 * prom-client's default registry (which `restack up` serves on its /metrics).
 */
export function metricsRegistry(given: Registry | undefined, ctx: { metrics: Registry }): Registry {
  return given ?? ctx.metrics;
}

/** `outcome`: `succeeded` (every target done), `failed` (one failed, blocked or went stale) or `superseded`. */
function outcomeOf(c: CampaignRecord): string {
  if (c.state === 'superseded') return 'superseded';
  return Object.values(c.targets).every((t) => t.state === 'done') ? 'succeeded' : 'failed';
}

function seconds(from: string, to: string): number | null {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : null;
}

export function dispatcherMetrics(registry: Registry): DispatcherMetrics {
  const duration = histogram(
    registry,
    CAMPAIGN_DURATION_METRIC,
    () =>
      new Histogram({
        name: CAMPAIGN_DURATION_METRIC,
        help: 'Campaigns from planned to a final state, by outcome (succeeded, failed, superseded)',
        labelNames: ['outcome'],
        buckets: CAMPAIGN_BUCKETS,
        registers: [registry],
      }),
  );
  const lag = histogram(
    registry,
    REBUILD_LAG_METRIC,
    () =>
      new Histogram({
        name: REBUILD_LAG_METRIC,
        help: "From the trigger digest's first sighting to a target done, by action",
        labelNames: ['action'],
        buckets: LAG_BUCKETS,
        registers: [registry],
      }),
  );
  return {
    observe(before, after) {
      if (after.state !== 'active' && (before === null || before.state === 'active')) {
        const s = seconds(after.createdAt, after.updatedAt);
        if (s !== null) duration.observe({ outcome: outcomeOf(after) }, s);
      }
      const seen = after.trigger.firstSeenAt;
      if (!seen) return;
      for (const [id, t] of Object.entries(after.targets)) {
        // Report targets are only recorded: nothing was rebuilt.
        if (t.state !== 'done' || t.action === 'report' || before?.targets[id] === 'done') continue;
        const s = seconds(seen, t.finishedAt ?? after.updatedAt);
        if (s !== null) lag.observe({ action: t.action }, s);
      }
    },
  };
}

/** The store, observing each write it makes (a compare-and-set write happens once, so each transition is counted once). */
export function observedStore(store: CampaignStore, metrics: DispatcherMetrics): CampaignStore {
  return {
    ...store,
    async mutate(id, fn) {
      const seen: { before: RecordStates | null } = { before: null };
      const after = await store.mutate(id, (current) => {
        seen.before = current ? statesOf(current) : null;
        return fn(current);
      });
      if (after) metrics.observe(seen.before, after);
      return after;
    },
    async change(id, fn) {
      const seen: { before: RecordStates | null } = { before: null };
      const after = await store.change(id, (current) => {
        seen.before = statesOf(current);
        return fn(current);
      });
      if (after) metrics.observe(seen.before, after);
      return after;
    },
  };
}
