import type { NatsConnectionInput } from '@restack/bus';
import type { Logger } from '@restack/core';
import { startRuntime, type Runtime } from '@restack/service';
import { graphService, type GraphServiceOptions } from './service.js';

export { graphService, DIGEST_CHANGED_CONSUMER } from './service.js';
export type { GraphServiceOptions } from './service.js';
export { graphEndpoints, graphJsonSchema, planSchema } from './endpoints.js';
export { campaignIdFor, campaignTargets, planCampaign, planImage } from './campaign.js';
export { withGraphPlanner } from './planner.js';
export type { GraphImagePlanner } from './planner.js';
export { GRAPH_BUCKET, snapshotStore } from './snapshot-store.js';
export type { SnapshotStore } from './snapshot-store.js';
export { sourcesFingerprint } from './state.js';
export type { GraphPorts } from './handlers.js';

export interface StartGraphServiceOptions extends GraphServiceOptions {
  nats?: NatsConnectionInput;
  logger?: Logger;
  /** Default false: the caller owns the process. */
  handleSignals?: boolean;
  pullExpiresMs?: number;
}

/** Runs the graph service alone in this process (restack up adds graphService() to its runtime instead). */
export async function startGraphService(options: StartGraphServiceOptions): Promise<Runtime> {
  const { nats, logger, handleSignals, pullExpiresMs, ...service } = options;
  const runtime = await startRuntime({
    name: 'graph',
    services: [graphService(service)],
    handleSignals: handleSignals ?? false,
    ...(nats ? { nats } : {}),
    ...(logger ? { logger } : {}),
    ...(pullExpiresMs ? { pullExpiresMs } : {}),
  });
  await runtime.ready;
  return runtime;
}
