import type { LoadedConfig } from '@restack/config';
import type { Logger } from '@restack/core';
import type { ServiceDefinition } from '@restack/service';

export interface ServiceWiring {
  log: Logger;
  stateDir: string;
}

/** Every service restack runs, wired to the config, for one process. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function restackServices(
  _loaded: LoadedConfig,
  _wiring: ServiceWiring,
): Promise<ServiceDefinition<any>[]> {
  return [];
}
