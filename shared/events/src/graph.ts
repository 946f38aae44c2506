import { z } from 'zod';
import { defineEvent } from './envelope.js';
import { repoPathSchema, repositorySchema } from './fields.js';

const edgeSchema = z.object({ from: z.string().min(1), to: z.string().min(1) });

/** The dependency graph changed after a push or a re-index. Lists are node ids. */
export const graphUpdatedData = z.object({
  /** Repository whose sources changed; absent for a full re-index. */
  repository: repositorySchema.optional(),
  changedFiles: z.array(repoPathSchema),
  nodes: z.object({ added: z.array(z.string().min(1)), removed: z.array(z.string().min(1)) }),
  edges: z.object({ added: z.array(edgeSchema), removed: z.array(edgeSchema) }),
});

export const graphUpdatedEvent = defineEvent('restack.graph.updated', 1, graphUpdatedData);
