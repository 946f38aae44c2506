import type { ConsumerSpec } from '@restack/bus';
import type { LoadedConfig } from '@restack/config';
import { errorMessage } from '@restack/core';
import type { GitHubPort } from '@restack/github';
import { answer, defineService, on, type ServiceDefinition } from '@restack/service';
import { graphEndpoints } from './endpoints.js';
import {
  answerDependents,
  answerGraph,
  answerPlan,
  answerPlanImage,
  handleDigestChanged,
  handlePush,
  handleRefresh,
  type GraphPorts,
} from './handlers.js';
import { GRAPH_BUCKET, snapshotStore } from './snapshot-store.js';
import { openGraphState } from './state.js';

export const DIGEST_CHANGED_CONSUMER = {
  durable: 'graph-digest-changed',
  subjects: ['restack.digest.changed'],
  // Planning is CPU work on the graph in memory; moves of one reference stay in order.
  concurrency: 8,
  orderKey: (event) => (event.type === 'restack.digest.changed' ? event.data.ref : undefined),
} satisfies ConsumerSpec<'restack.digest.changed'>;

export interface GraphServiceOptions {
  config: LoadedConfig;
  github?: GitHubPort;
  /** Where git sources are cloned. */
  cacheDir?: string;
  /** GitHub push webhook secret (the `restack.rpc.graph.push` endpoint verifies with it). */
  webhookSecret?: string;
  /** Fetch git sources this often; none when omitted (webhooks or the refresh endpoint). */
  refreshIntervalMs?: number;
  buildArgs?: Record<string, string>;
}

/** The graph service, for the runtime (`restack up` lists it beside the others). */
export function graphService(options: GraphServiceOptions): ServiceDefinition<GraphPorts> {
  return defineService<GraphPorts>({
    name: 'graph',
    buckets: [GRAPH_BUCKET],
    async setup(ctx) {
      const state = await openGraphState(
        options.config,
        {
          ...(options.github ? { github: options.github } : {}),
          ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
          ...(options.buildArgs ? { buildArgs: options.buildArgs } : {}),
        },
        await snapshotStore(ctx.bus),
        ctx.log,
      );
      return {
        state,
        publish: async (e) => {
          await ctx.bus.publish(e);
        },
        ...(options.webhookSecret ? { webhookSecret: options.webhookSecret } : {}),
      };
    },
    handlers: [
      on(DIGEST_CHANGED_CONSUMER, async (event, ctx, ports: GraphPorts) => {
        // Published before the ack; a redelivery republishes the same id, which JetStream drops.
        for (const e of await handleDigestChanged(event, ports)) await ports.publish(e);
        ctx.log.debug({ ref: event.data.ref }, 'digest change handled');
      }),
    ],
    endpoints: [
      answer(graphEndpoints.graph, (_request, ports: GraphPorts) => answerGraph(ports)),
      answer(graphEndpoints.plan, (request, ports: GraphPorts) => answerPlan(request, ports)),
      answer(graphEndpoints.planImage, (request, ports: GraphPorts) =>
        answerPlanImage(request, ports),
      ),
      answer(graphEndpoints.dependents, (request, ports: GraphPorts) =>
        answerDependents(request, ports),
      ),
      answer(graphEndpoints.push, async (request, ports: GraphPorts) => {
        const { updated, events } = await handlePush(request, ports);
        for (const e of events) await ports.publish(e);
        return { updated };
      }),
      answer(graphEndpoints.refresh, async (_request, ports: GraphPorts) => {
        const { updates, events } = await handleRefresh(ports);
        for (const e of events) await ports.publish(e);
        return { updates };
      }),
    ],
    start(ctx, ports) {
      let timer: NodeJS.Timeout | undefined;
      if (options.refreshIntervalMs) {
        timer = setInterval(() => {
          handleRefresh(ports)
            .then(async ({ events }) => {
              for (const e of events) await ports.publish(e);
            })
            .catch((e: unknown) => ctx.log.warn({ err: errorMessage(e) }, 'graph refresh failed'));
        }, options.refreshIntervalMs);
      }
      return async () => {
        if (timer) clearInterval(timer);
      };
    },
  });
}
