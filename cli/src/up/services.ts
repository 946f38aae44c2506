import type { LoadedConfig } from '@restack/config';
import { RestackError, type Logger } from '@restack/core';
import { loadGraph } from '@restack/graph';
import { createRegistryClient } from '@restack/registry';
import type { RuntimeOptions } from '@restack/service';
import { registryWatcherService, watchedReferences } from '@restack/svc-registry-watcher';

export interface ServiceWiring {
  log: Logger;
  stateDir: string;
}

/** Every service restack runs, wired to the config, for one process or one each. */
export async function restackServices(
  loaded: LoadedConfig,
  wiring: ServiceWiring,
): Promise<RuntimeOptions['services']> {
  const registryClient = createRegistryClient({
    registries: loaded.config.registries,
    logger: wiring.log.child({ component: 'registry' }),
  });
  return [
    registryWatcherService({
      registryClient,
      graphSource: async () => watchedReferences(await loadGraph(loaded)),
      config: loaded.config.watch,
    }),
  ];
}

/** Resolves a tag's current digest for the dashboard's manual trigger. */
export function digestResolver(loaded: LoadedConfig, log: Logger): (ref: string) => Promise<string> {
  const client = createRegistryClient({ registries: loaded.config.registries, logger: log });
  return async (ref) => {
    const result = await client.resolve(ref, { platforms: false });
    if (!result.ok) {
      throw new RestackError('up.resolve', result.reason, { fix: 'give the digest explicitly' });
    }
    return result.value.digest;
  };
}
