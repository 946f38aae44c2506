import { z } from 'zod';

const isoDate = z.iso.date();

/**
 * One release cycle as bundled under `data/products/*.json`.
 *
 * Field names and value shapes follow the endoflife.date API release cycle:
 * `cycle`, `releaseDate`, `eol` (a date, or a boolean when no date is known),
 * `lts` (a boolean, or the date LTS started) and `codename`.
 * https://endoflife.date/docs/api/ (v0 `cycle` object) and
 * https://endoflife.date/docs/api/v1/ (v1 `ProductRelease`: name, codename,
 * releaseDate, isLts/ltsFrom, isEol/eolFrom), which `refresh.ts` maps onto it.
 */
export const releaseCycleSchema = z
  .object({
    cycle: z.string().min(1),
    releaseDate: isoDate.nullable(),
    eol: z.union([isoDate, z.boolean()]),
    lts: z.union([isoDate, z.boolean()]),
    codename: z.string().min(1).optional(),
  })
  .strict();

export const productSourceSchema = z
  .object({
    kind: z.enum(['repository', 'api-v1', 'api-v0']),
    /** The endoflife.date product name, used by refresh. */
    endoflifeProduct: z.string().min(1),
    url: z.url(),
    commit: z
      .string()
      .regex(/^[0-9a-f]{40}$/)
      .optional(),
    /** When the API said the product last changed (API v1 `last_modified`). */
    lastModified: z.string().optional(),
    /** How `dataDate` was found: the newest release date in the record, or the day it was fetched. */
    dataDateBasis: z.enum(['newest-release', 'fetched']),
  })
  .strict();

export const productDataSchema = z
  .object({
    product: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    label: z.string().min(1),
    /** endoflife.date tags the product `discontinued`: every cycle has ended. */
    discontinued: z.boolean(),
    /** The date of this product's data (see `source.dataDateBasis`). */
    dataDate: isoDate,
    source: productSourceSchema,
    releases: z.array(releaseCycleSchema).min(1),
  })
  .strict();

export const catalogIndexSchema = z
  .object({
    schemaVersion: z.literal(1),
    source: z.url(),
    /** The oldest `dataDate` among products that are not discontinued. */
    dataDate: isoDate,
    products: z
      .array(z.object({ product: z.string().min(1), file: z.string().min(1) }).strict())
      .min(1),
  })
  .strict();

/** A deprecated-repository rule shipped in `data/deprecations.json`. */
export const builtInDeprecationSchema = z
  .object({
    match: z.string().min(1),
    replacement: z.string().min(1),
    reason: z.string().min(1),
    source: z.url(),
  })
  .strict();

export const builtInDeprecationsSchema = z
  .object({ deprecations: z.array(builtInDeprecationSchema) })
  .strict();

// A registry host with optional port and path, without a scheme or trailing slash.
const registryPrefix = z
  .string()
  .regex(
    /^[a-zA-Z0-9.-]+(?::\d+)?(?:\/[a-z0-9._-]+)*$/,
    'expected host[:port][/path], e.g. mirror.example.com/library',
  );

/** An organisation rule under `lifecycle.deprecations` in restack.yaml. */
export const deprecationRuleSchema = z
  .object({
    match: z
      .string()
      .min(1)
      .describe(
        'Glob on the normalised reference (docker.io/library/python:3.8-slim) or its short form (python:3.8-slim). ' +
          '"*" does not cross "/", "**" does. A pattern without ":" or "@" after its last "/" matches every tag.',
      ),
    replacement: z.string().min(1).optional().describe('What to use instead.'),
    reason: z.string().min(1).optional().describe('Why, shown in reports.'),
  })
  .strict();

/** The `lifecycle:` section of restack.yaml. */
export const lifecycleConfigSchema = z
  .object({
    eolLookaheadDays: z
      .number()
      .int()
      .min(0)
      .max(3650)
      .default(90)
      .describe('Report "eol-soon" when a product reaches end of life within this many days.'),
    deprecations: z
      .array(deprecationRuleSchema)
      .default([])
      .describe('Organisation deprecation rules.'),
    mirrors: z
      .record(registryPrefix, registryPrefix)
      .default({})
      .describe(
        'Registry prefixes that mirror another one, e.g. {"mirror.example.com": "docker.io"}.',
      ),
    dashboardIssues: z
      .object({
        enabled: z.boolean().default(false),
        labels: z.array(z.string().min(1)).default(['restack']),
      })
      .strict()
      .prefault({})
      .describe(
        'Keep one "Base image dashboard" issue per GitHub repository, updated after each sweep.',
      ),
  })
  .strict();

/**
 * endoflife.date API v1 `GET /products/{product}` (ProductResponse), only the
 * fields restack reads. https://endoflife.date/docs/api/v1/#/Products/product
 */
export const apiV1ProductResponseSchema = z.object({
  schema_version: z.string(),
  last_modified: z.string().optional(),
  result: z.object({
    name: z.string(),
    label: z.string(),
    releases: z.array(
      z.object({
        name: z.string().min(1),
        codename: z.string().nullable().optional(),
        releaseDate: isoDate.nullable().optional(),
        isLts: z.boolean(),
        ltsFrom: isoDate.nullable().optional(),
        isEol: z.boolean(),
        eolFrom: isoDate.nullable().optional(),
      }),
    ),
  }),
});

/**
 * endoflife.date API v0 `GET /api/{product}.json`: an array of `cycle`
 * objects. https://endoflife.date/docs/api/ (components.schemas.cycle)
 */
export const apiV0CycleListSchema = z.array(
  z.object({
    cycle: z.union([z.string(), z.number()]),
    releaseDate: isoDate.optional(),
    eol: z.union([isoDate, z.boolean()]),
    lts: z.union([isoDate, z.boolean()]).optional(),
    codename: z.string().nullable().optional(),
  }),
);

export type ReleaseCycle = z.infer<typeof releaseCycleSchema>;
export type ProductSource = z.infer<typeof productSourceSchema>;
export type ProductData = z.infer<typeof productDataSchema>;
export type CatalogIndex = z.infer<typeof catalogIndexSchema>;
export type BuiltInDeprecation = z.infer<typeof builtInDeprecationSchema>;
export type DeprecationRule = z.infer<typeof deprecationRuleSchema>;
/** The `lifecycle:` section as written (before defaults). */
export type LifecycleConfigInput = z.input<typeof lifecycleConfigSchema>;
/** The `lifecycle:` section after validation and defaults. */
export type LifecycleConfig = z.output<typeof lifecycleConfigSchema>;
export type ApiV1ProductResponse = z.infer<typeof apiV1ProductResponseSchema>;
export type ApiV0CycleList = z.infer<typeof apiV0CycleListSchema>;
