import type { NatsConnectionInput } from '@restack/bus';
import type { Logger } from '@restack/core';
import { startService, type Runtime } from '@restack/service';
import { dispatcherService, type DispatcherOptions } from './service.js';

export interface StartDispatcherOptions extends DispatcherOptions {
  nats?: NatsConnectionInput;
  logger?: Logger;
  handleSignals?: boolean;
  pullExpiresMs?: number;
}

/** The dispatcher in its own runtime (one-service deployment, tests). */
export function startDispatcher(options: StartDispatcherOptions): Promise<Runtime> {
  return startService(dispatcherService(options), {
    ...(options.nats ? { nats: options.nats } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    handleSignals: options.handleSignals ?? true,
    ...(options.pullExpiresMs ? { pullExpiresMs: options.pullExpiresMs } : {}),
  });
}
