import { defineEndpoint } from '@restack/bus';
import { z } from 'zod';
import { targetSchema } from '@restack/events';
import { graphJsonSchema, planSchema } from '@restack/graph';

export { graphJsonSchema, planSchema };

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
  /**
   * The rebuild of one image (image-age campaigns): its own Dockerfile first,
   * then its descendants, with the targets of `restack.campaign.planned`.
   * Null when no Dockerfile in the graph produces the image.
   */
  planImage: defineEndpoint({
    subject: 'restack.rpc.graph.plan-image',
    request: z.object({ image: z.string().min(1) }),
    response: z
      .object({ waves: z.array(z.array(z.string()).min(1)), targets: z.array(targetSchema) })
      .nullable(),
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
