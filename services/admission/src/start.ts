import type { LoadedConfig } from '@restack/config';
import type { Logger } from '@restack/core';
import { loadCatalog, type Catalog } from '@restack/eol';
import { createFetchImageSource } from '@restack/inventory';
import {
  admissionSettingsSchema,
  cachedInspector,
  createAdmissionChecker,
  createRegistryInspector,
  effectivePolicies,
  startAdmissionServer,
  type AdmissionServer,
  type AdmissionSettingsInput,
} from '@restack/lifecycle';
import { createRegistryClient, type RegistryClient } from '@restack/registry';
import type { SeenRecorder } from './seen.js';

export interface StartAdmissionOptions {
  loaded: LoadedConfig;
  tls: { key: string | Buffer; cert: string | Buffer };
  port: number;
  host?: string;
  settings?: AdmissionSettingsInput;
  logger: Logger;
  /** Default: one client built from the config's `registries:`. */
  registry?: RegistryClient;
  eolCatalog?: Catalog;
  /** The injected clock. Default the system clock. */
  clock?: () => Date;
  /** Told every image reviewed, for scheduled rescans (see kvSeenRecorder). */
  seen?: SeenRecorder;
}

export interface Admission extends AdmissionServer {
  readonly registry: RegistryClient;
}

/**
 * The validating admission webhook: the config's policies (or the baseline)
 * over the registry, with answers cached and a deadline per review.
 */
export async function startAdmission(options: StartAdmissionOptions): Promise<Admission> {
  const settings = admissionSettingsSchema.parse(options.settings ?? {});
  const clock = options.clock ?? (() => new Date());
  const registries = options.loaded.config.registries;
  const registry = options.registry ?? createRegistryClient({ registries, logger: options.logger });
  const inspector = cachedInspector(
    createRegistryInspector({
      registry,
      configSource: createFetchImageSource({
        plainHttp: (host) => registries[host]?.insecure === true,
      }),
    }),
    {
      ttlMs: settings.cacheTtlMs,
      failureTtlMs: settings.failureCacheTtlMs,
      clock: () => clock().getTime(),
    },
  );
  const check = createAdmissionChecker({
    inspector,
    policies: effectivePolicies(options.loaded.config.policies),
    catalog: options.eolCatalog ?? (await loadCatalog()),
    lifecycle: options.loaded.config.lifecycle,
    clock,
  });
  const server = await startAdmissionServer({
    key: options.tls.key,
    cert: options.tls.cert,
    port: options.port,
    ...(options.host ? { host: options.host } : {}),
    deps: {
      check: options.seen
        ? (image) => {
            options.seen!.record(image);
            return check(image);
          }
        : check,
      settings,
    },
    log: options.logger,
  });
  return {
    port: server.port,
    registry,
    close: async () => {
      await server.close();
      registry.close();
    },
  };
}
