import type { ConsumerSpec } from '@restack/bus';
import {
  createDockerCredentialStore,
  type CredentialStore,
  type RegistriesSettings,
} from '@restack/registry';
import {
  createScanner,
  isInsecureRegistry,
  registryImageSource,
  rescanImage,
  seenImageSchema,
  type ScannerSettings,
} from '@restack/scan';
import type { RestackEvent } from '@restack/events';
import { defineService, on, type ServiceDefinition } from '@restack/service';
import { handleImageRebuilt } from './handler.js';
import type { ScannerPorts } from './ports.js';
import { datedFixes } from './fixes.js';
import { rescanTargets, runRescan } from './rescan-run.js';
import {
  FIXES_BUCKET,
  RESCANS_BUCKET,
  SEEN_BUCKET,
  fixSeenSchema,
  rescanRecordSchema,
} from './rescan-store.js';
import { startRescanSchedule } from './schedule.js';
import {
  LATEST_BUCKET,
  SCANS_BUCKET,
  kvScanStore,
  latestScanSchema,
  storedScanSchema,
} from './store.js';

export { handleImageRebuilt } from './handler.js';
export type { Delivery, ScannerPorts, StoredScan } from './ports.js';
export { rescanTargets, runRescan } from './rescan-run.js';
export type { RescanRunPorts, RescanRunSummary, RescanTarget } from './rescan-run.js';
export {
  FIXES_BUCKET,
  RESCANS_BUCKET,
  SEEN_BUCKET,
  fixSeenSchema,
  rescanRecordSchema,
} from './rescan-store.js';
export type { FixSeen, RescanRecord } from './rescan-store.js';
export { RESCAN_LEASE_KEY, startRescanSchedule } from './schedule.js';
export { graphBaseRefs } from './graph-bases.js';
export type { GraphView } from './graph-bases.js';
export {
  LATEST_BUCKET,
  SCANS_BUCKET,
  kvScanStore,
  latestScanSchema,
  storedScanSchema,
} from './store.js';

export const scannerConsumer = {
  durable: 'scanner',
  subjects: ['restack.image.rebuilt'],
  ackWaitMs: 60_000,
  maxAttempts: 5,
  backoff: { initialMs: 2_000, maxMs: 60_000 },
} satisfies ConsumerSpec<'restack.image.rebuilt'>;

export interface ScannerOptions {
  /** restack.yaml `scanner:`; default none (verification and inventory only). */
  scanner?: ScannerSettings;
  /** restack.yaml `registries:`. */
  registries?: RegistriesSettings;
  /** Default Docker's config.json. */
  credentials?: CredentialStore;
  /** Scans at once in this process. Default 2. */
  concurrency?: number;
  /** The scanner's environment (PATH, cache folders). Default process.env. */
  env?: NodeJS.ProcessEnv;
  clock?: () => Date;
  /** restack.yaml `images:`: what the scheduled rescan (`scanner.rescan`) covers, with admission-seen images. */
  images?: ReadonlyArray<{ name: string; tags: readonly string[] }>;
  /** An image's Dockerfile FROM references, for images without OCI base labels. */
  baseRefs?: (ref: string) => Promise<readonly string[]>;
  /** Run the `scanner.rescan` cron schedule. Default true. */
  runSchedule?: boolean;
  /** How long the rescan lease lasts between renewals. Default 30 minutes. */
  rescanLeaseTtlMs?: number;
}

/**
 * The scanner as a service definition: consumes restack.image.rebuilt,
 * sends restack.scan.completed, and owns the scan results.
 */
export function scannerService(options: ScannerOptions = {}): ServiceDefinition<ScannerPorts> {
  const handle = on(
    { ...scannerConsumer, concurrency: options.concurrency ?? 2 },
    async (event, ctx, ports: ScannerPorts) => {
      for (const e of await handleImageRebuilt(event, ports, ctx)) await ports.publish(e);
    },
  );
  return defineService<ScannerPorts>({
    name: 'scanner',
    buckets: [SCANS_BUCKET, LATEST_BUCKET, RESCANS_BUCKET, FIXES_BUCKET, SEEN_BUCKET],
    handlers: [handle],
    async setup(ctx) {
      const registries = options.registries ?? {};
      const credentials =
        options.credentials ?? createDockerCredentialStore(options.env ?? process.env);
      const settings = options.scanner ?? { type: 'none' };
      const scanner = createScanner(settings, options.env ?? process.env);
      const images = registryImageSource({ registries, credentials });
      const insecure = isInsecureRegistry(registries);
      const clock = options.clock ?? (() => new Date());
      const publish = async (event: RestackEvent) => void (await ctx.bus.publish(event));
      let runRescanFn: ScannerPorts['runRescan'];
      const fixes =
        scanner && settings.type !== 'none'
          ? await ctx.bus.kv(FIXES_BUCKET.name, fixSeenSchema)
          : null;
      if (scanner && fixes && settings.type !== 'none' && settings.rescan) {
        const rescans = await ctx.bus.kv(RESCANS_BUCKET.name, rescanRecordSchema);
        const seen = await ctx.bus.kv(SEEN_BUCKET.name, seenImageSchema);
        const log = ctx.log.child({ component: 'rescan' });
        runRescanFn = async (shouldContinue) =>
          runRescan(
            {
              images,
              scanner,
              insecure,
              rescans,
              fixes,
              publish,
              clock,
              log,
              signal: ctx.signal,
              ...(options.baseRefs ? { baseRefs: options.baseRefs } : {}),
            },
            await rescanTargets(options.images ?? [], seen),
            shouldContinue,
          );
      }
      return {
        rescan: (request) => rescanImage({ images, scanner, insecure, logger: ctx.log }, request),
        scanner: scanner?.name ?? null,
        store: kvScanStore(
          await ctx.bus.kv(SCANS_BUCKET.name, storedScanSchema),
          await ctx.bus.kv(LATEST_BUCKET.name, latestScanSchema),
        ),
        publish,
        clock,
        ...(runRescanFn ? { runRescan: runRescanFn } : {}),
        ...(fixes ? { datedFixes: (list, now) => datedFixes(fixes, list, now) } : {}),
      };
    },
    async start(ctx, ports) {
      const settings = options.scanner;
      const runRescanFn = ports.runRescan;
      if (!runRescanFn || options.runSchedule === false) return;
      if (!settings || settings.type === 'none' || !settings.rescan?.enabled) return;
      return startRescanSchedule({
        bus: ctx.bus,
        log: ctx.log,
        settings: settings.rescan,
        run: (shouldContinue) => runRescanFn(shouldContinue),
        clock: ports.clock,
        ...(options.rescanLeaseTtlMs ? { leaseTtlMs: options.rescanLeaseTtlMs } : {}),
      });
    },
  });
}
