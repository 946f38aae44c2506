import type { TopologyPart } from '@restack/bus';
import type { ServiceDefinition } from '@restack/service';
import { DIGEST_BUCKET } from './schema.js';
import { startWatcher, type Watcher, type WatcherOptions } from './watcher.js';

/** What the watcher needs declared in the one topology: its digest-state bucket. */
export const WATCHER_TOPOLOGY: TopologyPart = { buckets: [DIGEST_BUCKET] };

export type RegistryWatcherServiceOptions = Omit<WatcherOptions, 'bus' | 'logger'>;

/** The watcher's service definition, with a way to reach the running watcher. */
export interface RegistryWatcherService extends ServiceDefinition {
  /** The running watcher (its `handleWebhook` for another server to mount); null before start and after stop. */
  readonly watcher: Watcher | null;
  /**
   * Webhooks are served elsewhere (`restack up`'s gateway mounts
   * `watcher.handleWebhook`): the watcher opens no port of its own. Call it
   * before the runtime starts; the same as the option `webhooks: false`.
   */
  serveWebhooksElsewhere(): void;
}

/** The watcher as a service for the runtime (`restack up` or its own deployment). */
export function registryWatcherService(
  options: RegistryWatcherServiceOptions,
): RegistryWatcherService {
  let running: Watcher | null = null;
  let elsewhere = false;
  const service: RegistryWatcherService = {
    name: 'registry-watcher',
    buckets: [DIGEST_BUCKET],
    async start(ctx) {
      const watcher = await startWatcher({
        ...options,
        ...(elsewhere ? { webhooks: false as const } : {}),
        bus: ctx.bus,
        logger: ctx.log,
      });
      running = watcher;
      return async () => {
        running = null;
        await watcher.stop();
      };
    },
    get watcher() {
      return running;
    },
    serveWebhooksElsewhere() {
      elsewhere = true;
    },
  };
  return service;
}

/** Whether a service definition is the registry watcher's (as `restack up` finds it among all). */
export function isRegistryWatcherService(service: {
  readonly name: string;
}): service is RegistryWatcherService {
  return service.name === 'registry-watcher' && 'serveWebhooksElsewhere' in service;
}
