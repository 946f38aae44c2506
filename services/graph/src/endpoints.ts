import { defineEndpoint } from '@restack/bus';
import { z } from 'zod';

/** `restack plan`'s JSON. */
export const planSchema = z.object({
  changed: z.array(z.string()),
  waves: z.array(z.array(z.string())),
  unaffected: z.number().int().nonnegative(),
  errors: z.array(z.string()).optional(),
});

/** `restack graph`'s JSON (nodes, edges, external, errors). */
export const graphJsonSchema = z.object({
  nodes: z.array(
    z.object({
      dockerfile: z.string(),
      images: z.array(
        z.object({
          name: z.string(),
          tags: z.array(z.string()),
          source: z.string(),
          file: z.string(),
        }),
      ),
    }),
  ),
  edges: z.array(z.object({ from: z.string(), to: z.string(), ref: z.string(), kind: z.string() })),
  external: z.array(z.object({ ref: z.string(), dependents: z.array(z.string()) })),
  errors: z.array(
    z.object({
      file: z.string().optional(),
      line: z.number().nullable().optional(),
      message: z.string(),
    }),
  ),
});

const deltaSchema = z.object({
  repository: z.string().optional(),
  changedFiles: z.array(z.string()),
  nodes: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }),
  edges: z.object({
    added: z.array(z.object({ from: z.string(), to: z.string() })),
    removed: z.array(z.object({ from: z.string(), to: z.string() })),
  }),
});

export const graphEndpoints = {
  /** Dockerfiles that use a reference, directly and below them. */
  dependents: defineEndpoint({
    subject: 'restack.rpc.graph.dependents',
    request: z.object({ ref: z.string().min(1) }),
    response: z.object({
      ref: z.string(),
      direct: z.array(z.string()),
      transitive: z.array(z.string()),
    }),
  }),
  /** The same JSON as `restack plan --changed REF...`. */
  plan: defineEndpoint({
    subject: 'restack.rpc.graph.plan',
    request: z.object({ changed: z.array(z.string().min(1)).min(1) }),
    response: planSchema,
  }),
  /** The same JSON as `restack graph`. */
  graph: defineEndpoint({
    subject: 'restack.rpc.graph.graph',
    request: z.object({}).strict(),
    response: graphJsonSchema,
  }),
  /** A GitHub push webhook as received (raw body and X-Hub-Signature-256); verified here. */
  push: defineEndpoint({
    subject: 'restack.rpc.graph.push',
    request: z.object({ body: z.string(), signature: z.string().optional() }),
    response: z.object({ updated: deltaSchema.nullable() }),
  }),
  /** Fetches git sources (and re-lists path sources) and applies what changed. */
  refresh: defineEndpoint({
    subject: 'restack.rpc.graph.refresh',
    request: z.object({}).strict(),
    response: z.object({ updates: z.array(deltaSchema) }),
  }),
};
