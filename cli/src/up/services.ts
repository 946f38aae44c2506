import type { LoadedConfig } from '@restack/config';
import type { Logger } from '@restack/core';
import type { RuntimeOptions } from '@restack/service';

export interface ServiceWiring {
  log: Logger;
  stateDir: string;
}

/** Every service restack runs, wired to the config, for one process. */
export async function restackServices(
  _loaded: LoadedConfig,
  _wiring: ServiceWiring,
): Promise<RuntimeOptions['services']> {
  return [];
}
