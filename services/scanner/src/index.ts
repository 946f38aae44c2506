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
  type ScannerSettings,
} from '@restack/scan';
import { defineService, on, type ServiceDefinition } from '@restack/service';
import { handleImageRebuilt } from './handler.js';
import type { ScannerPorts } from './ports.js';
import {
  LATEST_BUCKET,
  SCANS_BUCKET,
  kvScanStore,
  latestScanSchema,
  storedScanSchema,
} from './store.js';

export { handleImageRebuilt } from './handler.js';
export type { Delivery, ScannerPorts, StoredScan } from './ports.js';
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
    buckets: [SCANS_BUCKET, LATEST_BUCKET],
    handlers: [handle],
    async setup(ctx) {
      const registries = options.registries ?? {};
      const credentials =
        options.credentials ?? createDockerCredentialStore(options.env ?? process.env);
      const scanner = createScanner(
        options.scanner ?? { type: 'none' },
        options.env ?? process.env,
      );
      const images = registryImageSource({ registries, credentials });
      const insecure = isInsecureRegistry(registries);
      return {
        rescan: (request) => rescanImage({ images, scanner, insecure, logger: ctx.log }, request),
        scanner: scanner?.name ?? null,
        store: kvScanStore(
          await ctx.bus.kv(SCANS_BUCKET.name, storedScanSchema),
          await ctx.bus.kv(LATEST_BUCKET.name, latestScanSchema),
        ),
        publish: async (event) => void (await ctx.bus.publish(event)),
        clock: options.clock ?? (() => new Date()),
      };
    },
  });
}
