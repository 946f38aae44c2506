import { randomUUID } from 'node:crypto';
import type { ConsumerSpec, Lease } from '@restack/bus';
import { errorMessage } from '@restack/core';
import { loadCatalog, type Catalog } from '@restack/eol';
import {
  createRegistryInspector,
  scanSummarySchema,
  type DashboardIssuePort,
} from '@restack/lifecycle';
import type { RegistryClient } from '@restack/registry';
import { answer, defineService, on, type ServiceDefinition } from '@restack/service';
import { schedule } from 'node-cron';
import { onDigestChanged, onScanCompleted } from './handlers.js';
import { onImageVulnerable } from './vulnerable.js';
import { bothSinks, directoryReportSink, kvReportSink } from './reports.js';
import {
  REPORTS_BUCKET,
  SCANS_BUCKET,
  SIGHTINGS_BUCKET,
  VERDICTS_BUCKET,
  WATCHER_BUCKET,
  reportRecordSchema,
  watcherStateSchema,
  sweepEndpoint,
  tagHistorySchema,
  verdictRecordSchema,
  type SweepSummary,
} from './schema.js';
import { watcherState, type WatcherState } from './sightings.js';
import { sweep, type SweepInputs, type SweepPorts } from './sweep.js';

export const lifecycleConsumer = {
  durable: 'lifecycle',
  subjects: ['restack.digest.changed', 'restack.scan.completed', 'restack.image.vulnerable'],
  maxAttempts: 10,
  backoff: { initialMs: 200, maxMs: 10_000 },
} satisfies ConsumerSpec<
  'restack.digest.changed' | 'restack.scan.completed' | 'restack.image.vulnerable'
>;

export const SWEEP_LEASE_KEY = 'lifecycle.sweep';

export interface LifecycleOptions {
  /** The config's graph, catalog and policies, read before every sweep. */
  inputs: () => Promise<SweepInputs>;
  registry: RegistryClient;
  /**
   * @deprecated Ignored: the registry client (configured with `registries`)
   * reads User and ExposedPorts itself; there is no second config read.
   */
  plainHttp?: (host: string) => boolean;
  /** The cron expression of the sweep. Default hourly at minute 17. */
  schedule?: string;
  /** Start the cron schedule. Default true; tests call the sweep endpoint instead. */
  runSchedule?: boolean;
  /** Also write the reports into this folder. */
  reportDir?: string;
  /** Keeps one dashboard issue per repository current after each sweep (see `configuredDashboards`). */
  dashboards?: DashboardIssuePort | undefined;
  /** The end-of-life catalog; default the bundled data, read once per sweep. */
  eolCatalog?: () => Promise<Catalog>;
  clock?: () => Date;
  /** How long the sweep lease lasts. Default 30 minutes. */
  leaseTtlMs?: number;
}

interface LifecyclePorts {
  sweepPorts: SweepPorts;
  runSweep(): Promise<SweepSummary>;
}

/**
 * The lifecycle service: records sightings and scans from events, sweeps
 * the catalog on a schedule (and on demand through `restack.rpc.lifecycle.sweep`),
 * publishes restack.image.stale and restack.image.deprecated, and keeps the reports.
 */
export function lifecycleService(options: LifecycleOptions): ServiceDefinition<LifecyclePorts> {
  const clock = options.clock ?? (() => new Date());
  const holder = `lifecycle-${randomUUID()}`;
  return defineService<LifecyclePorts>({
    name: 'lifecycle',
    buckets: [SIGHTINGS_BUCKET, SCANS_BUCKET, VERDICTS_BUCKET, REPORTS_BUCKET],
    handlers: [
      on(lifecycleConsumer, async (event, _ctx, ports: LifecyclePorts) => {
        if (event.type === 'restack.digest.changed')
          await onDigestChanged(event, ports.sweepPorts.sightings);
        else if (event.type === 'restack.image.vulnerable')
          await onImageVulnerable(event, ports.sweepPorts.scans);
        else await onScanCompleted(event, ports.sweepPorts.scans);
      }),
    ],
    endpoints: [answer(sweepEndpoint, (_request, ports: LifecyclePorts) => ports.runSweep())],
    async setup(ctx) {
      const { bus, log } = ctx;
      // The watcher may run in another process and create its bucket later: look again until it exists.
      let watcher: WatcherState | null = null;
      const openWatcher = async (): Promise<WatcherState | null> => {
        watcher ??= await bus
          .kv(WATCHER_BUCKET, watcherStateSchema)
          .then(watcherState)
          .catch(() => null);
        return watcher;
      };
      if (!(await openWatcher())) {
        log.info(
          { bucket: WATCHER_BUCKET },
          'no watcher state yet; first-seen comes from lifecycle sightings',
        );
      }
      const reportsKv = kvReportSink(await bus.kv(REPORTS_BUCKET.name, reportRecordSchema));
      const sweepPorts: SweepPorts = {
        inputs: options.inputs,
        eolCatalog: options.eolCatalog ?? (() => loadCatalog()),
        inspector: createRegistryInspector({ registry: options.registry }),
        registry: options.registry,
        sightings: await bus.kv(SIGHTINGS_BUCKET.name, tagHistorySchema),
        watcher: { read: async (ref) => (await openWatcher())?.read(ref) ?? null },
        scans: await bus.kv(SCANS_BUCKET.name, scanSummarySchema),
        verdicts: await bus.kv(VERDICTS_BUCKET.name, verdictRecordSchema),
        reports: options.reportDir
          ? bothSinks(reportsKv, directoryReportSink(options.reportDir))
          : reportsKv,
        publish: async (event) => {
          const ack = await bus.publish(event);
          log.info(
            { type: event.type, eventId: event.id, duplicate: ack.duplicate },
            'lifecycle event published',
          );
        },
        ...(options.dashboards ? { dashboards: options.dashboards } : {}),
        clock,
        log,
      };
      const leases = await bus.leases({ clock: () => clock().getTime() });
      const ttl = options.leaseTtlMs ?? 30 * 60_000;
      let running: Promise<SweepSummary> | null = null;
      async function runSweep(): Promise<SweepSummary> {
        // One sweep at a time here, and one replica at a time across the cluster.
        running ??= (async () => {
          const lease: Lease | null = await leases.acquire(SWEEP_LEASE_KEY, holder, ttl);
          if (!lease) {
            return {
              at: clock().toISOString(),
              images: 0,
              dockerfiles: 0,
              stale: [],
              deprecated: [],
              reports: [],
              skipped: 'lease-held' as const,
            };
          }
          try {
            return { ...(await sweep(sweepPorts)), skipped: null };
          } finally {
            await leases.release(lease).catch(() => false);
          }
        })().finally(() => {
          running = null;
        });
        return running;
      }
      return { sweepPorts, runSweep };
    },
    start(ctx, ports) {
      if (options.runSchedule === false) return;
      const task = schedule(options.schedule ?? '17 * * * *', () => {
        ports
          .runSweep()
          .catch((e: unknown) => ctx.log.error({ err: errorMessage(e) }, 'lifecycle sweep failed'));
      });
      return async () => {
        await task.stop();
      };
    },
  });
}
