import type { NatsConnectionInput } from '@restack/bus';
import type { Logger } from '@restack/core';
import { startService, type Runtime } from '@restack/service';
import { lifecycleService, type LifecycleOptions } from './service.js';

export interface StartLifecycleOptions extends LifecycleOptions {
  nats?: NatsConnectionInput;
  logger?: Logger;
  handleSignals?: boolean;
  pullExpiresMs?: number;
}

/** The lifecycle service in its own runtime (one-service deployment, tests). */
export function startLifecycle(options: StartLifecycleOptions): Promise<Runtime> {
  return startService(lifecycleService(options), {
    ...(options.nats ? { nats: options.nats } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    handleSignals: options.handleSignals ?? true,
    ...(options.pullExpiresMs ? { pullExpiresMs: options.pullExpiresMs } : {}),
  });
}
