import type { Bus, Endpoint } from '@restack/bus';
import { defineEndpoint } from '@restack/bus';
import type { LoadedConfig } from '@restack/config';
import { errorMessage, isRestackError, type Logger } from '@restack/core';
import {
  graphJson,
  graphJsonSchema,
  loadGraph,
  planChange,
  planSchema,
  type Graph,
} from '@restack/graph';
import { parseReference } from '@restack/reference';
import { z } from 'zod';
import type { GraphSource } from './ports.js';
import type { GraphView, PlanView } from './views.js';

/**
 * The graph service's queries as the gateway calls them. The graph service
 * answers them with graphJson / planChange, the same JSON as the CLI.
 */
export const GRAPH_ENDPOINT: Endpoint<Record<string, never>, GraphView> = defineEndpoint({
  subject: 'restack.rpc.graph.graph',
  request: z.object({}).strict() as z.ZodType<Record<string, never>>,
  response: graphJsonSchema,
});
export const PLAN_ENDPOINT: Endpoint<{ changed: string[] }, PlanView> = defineEndpoint({
  subject: 'restack.rpc.graph.plan',
  request: z.object({ changed: z.array(z.string().min(1)).min(1) }),
  response: planSchema,
});

/** The graph computed here from the config (loadGraph), cached until `invalidate`. */
export function configGraphSource(loaded: LoadedConfig): GraphSource & { invalidate(): void } {
  let cached: Promise<Graph> | undefined;
  function load(): Promise<Graph> {
    cached ??= loadGraph(loaded).catch((e: unknown) => {
      cached = undefined;
      throw e;
    });
    return cached;
  }
  return {
    invalidate: () => (cached = undefined),
    graph: async () => graphJson(await load()) as GraphView,
    async plan(changed) {
      const refs = changed.map((c) => {
        const parsed = parseReference(c);
        if (!parsed.ok) throw new Error(`invalid reference ${c}: ${parsed.error}`);
        return parsed.ref;
      });
      return planChange(await load(), refs);
    },
  };
}

/** Codes that mean "nobody answered", as opposed to an answer that says no. */
const UNANSWERED = new Set(['RPC_NO_RESPONDERS', 'RPC_TIMEOUT', 'RPC_FAILED']);

/**
 * Asks the graph service; when it does not answer (not deployed, not started
 * yet, stopped), computes the answer from the config so the gateway works alone.
 */
export function busGraphSource(
  bus: Bus,
  fallback: GraphSource | undefined,
  log: Logger,
  timeoutMs = 3_000,
): GraphSource {
  let warned = false;
  async function ask<T>(
    remote: () => Promise<T>,
    local: (() => Promise<T>) | undefined,
  ): Promise<T> {
    try {
      return await remote();
    } catch (e) {
      if (!local || !isRestackError(e) || !UNANSWERED.has(e.code)) throw e;
      if (!warned)
        log.warn({ err: errorMessage(e) }, 'graph service not answering; computing from config');
      warned = true;
      return local();
    }
  }
  return {
    graph: () =>
      ask(() => bus.request(GRAPH_ENDPOINT, {}, timeoutMs), fallback && (() => fallback.graph())),
    plan: (changed) =>
      ask(
        () => bus.request(PLAN_ENDPOINT, { changed: [...changed] }, timeoutMs),
        fallback && (() => fallback.plan(changed)),
      ),
  };
}
