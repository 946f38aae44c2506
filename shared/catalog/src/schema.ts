import { z } from 'zod';

/** Where a claim came from, in the order that breaks ties (config first). */
export const claimSources = ['compose', 'bake', 'workflow', 'directive'] as const;
export type ClaimSource = (typeof claimSources)[number];
export const imageSources = ['config', ...claimSources] as const;
export type ImageSource = (typeof imageSources)[number];

const buildArgs = z.record(z.string(), z.string());

/** One file's statement that a Dockerfile produces an image (repository plus tags). */
export const claimSchema = z.object({
  /** Absolute path; the caller makes it relative. */
  dockerfile: z.string(),
  /** Normalised repository, e.g. `docker.io/library/redis`. */
  name: z.string(),
  tags: z.array(z.string()),
  buildArgs,
  target: z.string().nullable(),
  source: z.enum(claimSources),
  /** The file that made the claim (absolute). */
  file: z.string(),
  line: z.number().int().nullable(),
});
export type Claim = z.infer<typeof claimSchema>;

/** A catalog entry after merging explicit config with discovered claims. */
export const catalogImageSchema = claimSchema.extend({ source: z.enum(imageSources) });
export type CatalogImage = z.infer<typeof catalogImageSchema>;

/** An `images:` entry of restack.yaml, as mergeClaims accepts it. */
export const explicitImageSchema = z.object({
  dockerfile: z.string(),
  name: z.string(),
  tags: z.array(z.string()).default(['latest']),
  buildArgs: buildArgs.default({}),
  target: z.string().nullish(),
  file: z.string().default('restack.yaml'),
  line: z.number().int().nullish(),
});
export type ExplicitImage = z.input<typeof explicitImageSchema>;

export const problemCodes = [
  'catalog.unreadable',
  'catalog.syntax',
  'catalog.shape',
  'catalog.expression',
  'catalog.variable',
  'catalog.reference',
  'catalog.inherits',
  'catalog.unsupported',
  'catalog.remote-context',
  'catalog.directive',
  'catalog.ignored-file',
  'catalog.conflict',
] as const;
export type ProblemCode = (typeof problemCodes)[number];

/** A problem found in a file: reported as data, never thrown. */
export const problemSchema = z.object({
  code: z.enum(problemCodes),
  file: z.string(),
  line: z.number().int().nullable(),
  message: z.string(),
  fix: z.string(),
});
export type Problem = z.infer<typeof problemSchema>;

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/**
 * A service's `build` section.
 * @see https://github.com/compose-spec/compose-spec/blob/main/build.md
 */
export const composeBuildSchema = z.union([
  z.string(),
  z.looseObject({
    context: z.string().optional(),
    dockerfile: z.string().optional(),
    dockerfile_inline: z.string().optional(),
    args: z.union([z.record(z.string(), scalar.nullable()), z.array(z.string())]).optional(),
    target: z.string().optional(),
  }),
]);

/**
 * The part of a Compose service that says what it builds and how it is named.
 * @see https://github.com/compose-spec/compose-spec/blob/main/05-services.md#image
 */
export const composeServiceSchema = z.looseObject({
  image: z.string().optional(),
  build: composeBuildSchema.optional(),
});

/**
 * A Bake target body, after HCL is converted to JSON (every expression a `${...}` string).
 * @see https://docs.docker.com/build/bake/reference/#target
 */
export const bakeTargetSchema = z.looseObject({
  context: z.string().optional(),
  dockerfile: z.string().optional(),
  'dockerfile-inline': z.string().optional(),
  args: z.record(z.string(), scalar.nullable()).optional(),
  tags: z.union([z.array(z.string().nullable()), z.string()]).optional(),
  target: z.string().optional(),
  inherits: z.union([z.array(z.string()), z.string()]).optional(),
  matrix: z.unknown().optional(),
});
export type BakeTarget = z.infer<typeof bakeTargetSchema>;

/**
 * A Bake variable block.
 * @see https://docs.docker.com/build/bake/reference/#variable
 */
export const bakeVariableSchema = z.looseObject({
  default: z.unknown().optional(),
});

/**
 * The inputs of docker/build-push-action that say what is built and how it is tagged.
 * @see https://github.com/docker/build-push-action#inputs
 */
export const buildPushInputsSchema = z.looseObject({
  context: scalar.optional(),
  file: scalar.optional(),
  tags: scalar.optional(),
  'build-args': scalar.optional(),
  target: scalar.optional(),
});

/**
 * A workflow step; only `uses` and `with` matter here.
 * @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idstepsuses
 */
export const workflowStepSchema = z.looseObject({
  uses: z.string().optional(),
  with: z.record(z.string(), z.unknown()).optional(),
});
