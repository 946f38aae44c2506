import type { TopologyPart } from '@restack/bus';
import { defineService, type ServiceDefinition } from '@restack/service';
import { DIGEST_BUCKET } from './schema.js';
import { startWatcher, type WatcherOptions } from './watcher.js';

/** What the watcher needs declared in the one topology: its digest-state bucket. */
export const WATCHER_TOPOLOGY: TopologyPart = { buckets: [DIGEST_BUCKET] };

export type RegistryWatcherServiceOptions = Omit<WatcherOptions, 'bus' | 'logger'>;

/** The watcher as a service for the runtime (`restack up` or its own deployment). */
export function registryWatcherService(options: RegistryWatcherServiceOptions): ServiceDefinition {
  return defineService({
    name: 'registry-watcher',
    buckets: [DIGEST_BUCKET],
    async start(ctx) {
      const watcher = await startWatcher({ ...options, bus: ctx.bus, logger: ctx.log });
      return () => watcher.stop();
    },
  });
}
