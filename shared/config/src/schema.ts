import { z } from 'zod';
import { githubConfigSchema } from '@restack/github';
import { registriesSchema } from '@restack/registry';
import { lifecycleConfigSchema } from '@restack/eol';
import { policiesSchema } from '@restack/lifecycle';
import { promoteSchema } from '@restack/promote';
import { scannerSettingsSchema } from '@restack/scan';
import { watchSchema } from '@restack/webhooks';
import { actionsSchema, dryRunSchema, limitsSchema, pullRequestsSchema } from '@restack/campaign';
import { natsConnectionSchema, streamOptionsSchema } from '@restack/bus';

/**
 * The schema of `restack.yaml`. It is written once: the JSON Schema that
 * editors use (`restack.schema.json`) is generated from it by `restack schema`.
 */

const buildArgs = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
  .describe('Build arguments passed to the Dockerfile (ARG overrides).');

const sourceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-"')
  .describe("Prefix of this source's Dockerfile paths in the graph (`<name>/<path>`).");
const envVar = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

export const pathSourceSchema = z
  .object({
    path: z.string().min(1).describe('A folder; every Dockerfile under it is indexed.'),
  })
  .strict();

export const gitSourceSchema = z
  .object({
    git: z
      .string()
      .min(1)
      .describe('Clone URL: https://..., ssh://..., git@host:org/repo.git or a path.'),
    ref: z.string().min(1).optional().describe('Branch or tag to index; default the remote HEAD.'),
    name: sourceName.optional(),
    credentials: z
      .union([
        z
          .object({
            usernameEnv: envVar.describe('Environment variable holding the HTTPS user name.'),
            passwordEnv: envVar.describe(
              'Environment variable holding the HTTPS password or token.',
            ),
          })
          .strict(),
        z.object({ sshKeyPath: z.string().min(1).describe('Private key for SSH.') }).strict(),
      ])
      .optional(),
  })
  .strict();

export const githubSourceSchema = z
  .object({
    github: z
      .object({
        org: z.string().min(1).optional().describe('Every repository of this account.'),
        repositories: z
          .array(z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'owner/name'))
          .optional()
          .describe('These repositories (owner/name).'),
        name: sourceName.optional(),
        includeArchived: z.boolean().default(false),
        includeForks: z.boolean().default(false),
        topics: z
          .array(z.string().min(1))
          .default([])
          .describe('Keep repositories with every topic.'),
        nameGlob: z.string().min(1).optional().describe('Glob on the repository name (`svc-*`).'),
      })
      .strict()
      .refine((g) => (g.org === undefined) !== (g.repositories === undefined), {
        message: 'set exactly one of org or repositories',
      }),
  })
  .strict();

export const sourceSchema = z.union([pathSourceSchema, gitSourceSchema, githubSourceSchema]);

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
    context: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Build context folder, relative to the config file; default the Dockerfile folder.',
      ),
    platform: z.string().min(1).optional().describe('Platform to build, e.g. linux/arm64.'),
    promote: promoteSchema.optional(),
  })
  .strict();

/** `gateway`: the HTTP API and dashboard. Inline because @restack/svc-gateway depends on this package. */
const gatewaySchema = z
  .object({
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(8080)
      .describe('Port of the API, dashboard, webhooks and /metrics.'),
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe('Address to listen on; 0.0.0.0 to expose it.'),
    apiTokenEnv: envVar
      .default('RESTACK_API_TOKEN')
      .describe(
        'Environment variable holding the bearer token for state-changing calls (the value never goes in the config).',
      ),
    publicUrl: z
      .url()
      .optional()
      .describe('URL users reach the dashboard at, for links in pull requests.'),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    sources: z.array(sourceSchema).default([]).describe('Where Dockerfiles are found.'),
    images: z.array(imageSchema).default([]).describe('What each Dockerfile produces.'),
    github: githubConfigSchema
      .optional()
      .describe('GitHub access, for github sources and pull requests.'),
    nats: natsConnectionSchema
      .optional()
      .describe('How to reach NATS; without it `restack up` starts a local nats-server.'),
    streams: streamOptionsSchema
      .prefault({})
      .describe('JetStream settings: replicas 3 on a three-node cluster.'),
    gateway: gatewaySchema.prefault({}).describe('HTTP API and dashboard (`restack up`).'),
    scanner: scannerSettingsSchema
      .default({ type: 'none' })
      .describe('The vulnerability scanner run on every rebuilt image.'),
    registries: registriesSchema
      .default({})
      .describe('Per-registry settings, keyed by host[:port] as written in references.'),
    lifecycle: lifecycleConfigSchema
      .prefault({})
      .describe('End of life: look-ahead, mirrors, organisation deprecations.'),
    policies: policiesSchema,
    watch: watchSchema.prefault({}),
    actions: actionsSchema,
    dryRun: dryRunSchema,
    limits: limitsSchema,
    pullRequests: pullRequestsSchema,
  })
  .strict();

/** The config as written (before defaults). */
export type ConfigInput = z.input<typeof configSchema>;
/** The config after validation and defaults. */
export type Config = z.output<typeof configSchema>;
export type ImageEntry = z.output<typeof imageSchema>;
export type SourceEntry = z.output<typeof sourceSchema>;
export type PathSourceEntry = z.output<typeof pathSourceSchema>;
export type GitSourceEntry = z.output<typeof gitSourceSchema>;
export type GitHubSourceEntry = z.output<typeof githubSourceSchema>;

export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' });
}
