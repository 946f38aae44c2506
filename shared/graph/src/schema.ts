import { z } from 'zod';

// The JSON shapes `restack graph` and `restack plan` print: the graph service
// answers with them and the gateway checks what it receives against them.

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
