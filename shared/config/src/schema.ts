import { z } from 'zod';
import { registriesSchema } from '@restack/registry';

/**
 * The schema of `restack.yaml`. It is written once: the JSON Schema that
 * editors use (`restack.schema.json`) is generated from it by `restack schema`.
 */

const buildArgs = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
  .describe('Build arguments passed to the Dockerfile (ARG overrides).');

export const sourceSchema = z
  .object({
    path: z.string().min(1).describe('A folder; every Dockerfile under it is indexed.'),
  })
  .strict();

export const imageSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .describe('Repository the Dockerfile produces, e.g. registry.example.com/platform/python.'),
    tags: z.array(z.string().min(1)).default(['latest']).describe('Tags pushed for this image.'),
    dockerfile: z.string().min(1).describe('Path of the Dockerfile, relative to the config file.'),
    buildArgs: buildArgs.default({}),
    target: z.string().optional().describe('Build target stage.'),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    sources: z.array(sourceSchema).default([]).describe('Where Dockerfiles are found.'),
    images: z.array(imageSchema).default([]).describe('What each Dockerfile produces.'),
    registries: registriesSchema
      .default({})
      .describe('Per-registry settings, keyed by host[:port] as written in references.'),
  })
  .strict();

/** The config as written (before defaults). */
export type ConfigInput = z.input<typeof configSchema>;
/** The config after validation and defaults. */
export type Config = z.output<typeof configSchema>;
export type ImageEntry = z.output<typeof imageSchema>;
export type SourceEntry = z.output<typeof sourceSchema>;

export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' });
}
