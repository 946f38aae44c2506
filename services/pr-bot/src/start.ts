import type { NatsConnectionInput } from '@restack/bus';
import type { Logger } from '@restack/core';
import { startService, type Runtime } from '@restack/service';
import { prBotService, type PrBotOptions } from './service.js';

export interface StartPrBotOptions extends PrBotOptions {
  nats?: NatsConnectionInput;
  logger?: Logger;
  handleSignals?: boolean;
  pullExpiresMs?: number;
}

/** pr-bot in its own runtime (one-service deployment, tests). */
export function startPrBot(options: StartPrBotOptions): Promise<Runtime> {
  return startService(prBotService(options), {
    ...(options.nats ? { nats: options.nats } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    handleSignals: options.handleSignals ?? true,
    ...(options.pullExpiresMs ? { pullExpiresMs: options.pullExpiresMs } : {}),
  });
}
