import { z } from 'zod';

/**
 * Per-registry politeness and transport settings, the `registries:` map of
 * restack.yaml. Keys are registry hosts as they appear in image references
 * (`localhost:5000`, `ghcr.io`, `docker.io`).
 */
export const registrySettingsSchema = z
  .strictObject({
    insecure: z
      .boolean()
      .optional()
      .describe(
        'Talk plain http to this registry instead of https. Only for local or test registries.',
      ),
    concurrency: z
      .int()
      .min(1)
      .max(64)
      .optional()
      .describe('Requests in flight at once to this registry.'),
    requestsPerSecond: z
      .number()
      .positive()
      .max(10_000)
      .optional()
      .describe('Requests started per second to this registry.'),
    timeoutMs: z
      .int()
      .min(100)
      .max(600_000)
      .optional()
      .describe('Time allowed for one request, headers and body, in milliseconds.'),
    retries: z
      .int()
      .min(0)
      .max(10)
      .optional()
      .describe('Retries after a 429, a 5xx, a timeout or a network error.'),
    maxRetryAfterMs: z
      .int()
      .min(0)
      .max(86_400_000)
      .optional()
      .describe(
        'Longest Retry-After pause a lookup waits out; a longer pause fails lookups at once until it ends.',
      ),
  })
  .describe('How restack talks to one registry.');

// A registry host: name or IPv4 or [IPv6], optional port, no scheme or path.
const registryHostPattern =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:]+\])(?::\d{1,5})?$/;

export const registriesSchema = z
  .record(
    z.string().regex(registryHostPattern, {
      message:
        'a registry key is a host such as "localhost:5000" or "ghcr.io", without scheme or path',
    }),
    registrySettingsSchema,
  )
  .describe('Settings per registry host, e.g. {"localhost:5000": {insecure: true}}.');

export type RegistrySettings = z.infer<typeof registrySettingsSchema>;
export type RegistriesSettings = z.infer<typeof registriesSchema>;

/**
 * OCI descriptor.
 * https://github.com/opencontainers/image-spec/blob/main/descriptor.md
 */
export const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: z.string(),
  size: z.number(),
  platform: z
    .object({
      os: z.string(),
      architecture: z.string(),
      variant: z.string().optional(),
      'os.version': z.string().optional(),
    })
    .optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/**
 * OCI image index and Docker manifest list (same shape for what we read).
 * https://github.com/opencontainers/image-spec/blob/main/image-index.md
 */
export const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
});

/**
 * OCI image manifest and Docker image manifest v2 schema 2.
 * https://github.com/opencontainers/image-spec/blob/main/manifest.md
 */
export const imageManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
});

/**
 * The parts of an image config restack reads.
 * https://github.com/opencontainers/image-spec/blob/main/config.md
 */
export const imageConfigSchema = z.object({
  created: z.string().optional(),
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  config: z
    .object({
      Labels: z.record(z.string(), z.string()).nullish(),
      User: z.string().nullish(),
      ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
  rootfs: z.object({
    type: z.string(),
    diff_ids: z.array(z.string()),
  }),
});

/**
 * Registry error body.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes
 */
export const errorBodySchema = z.object({
  errors: z.array(z.object({ code: z.string(), message: z.string().optional() })),
});

/** GET /v2/<name>/tags/list */
export const tagListSchema = z.object({
  name: z.string(),
  tags: z.array(z.string()).nullable(),
});

/**
 * Token endpoint response (GET, and OAuth2 POST which answers `access_token`).
 * https://distribution.github.io/distribution/spec/auth/token/#token-response-fields
 */
export const tokenResponseSchema = z
  .object({
    token: z.string().min(1).optional(),
    access_token: z.string().min(1).optional(),
    expires_in: z.number().optional(),
    issued_at: z.string().optional(),
  })
  .refine((t) => t.token !== undefined || t.access_token !== undefined, {
    message: 'the token response has neither "token" nor "access_token"',
  });

/**
 * The credential parts of Docker's config.json.
 * https://github.com/docker/cli/blob/master/cli/config/configfile/file.go
 */
export const dockerConfigSchema = z.object({
  auths: z
    .record(
      z.string(),
      z.object({
        auth: z.string().optional(),
        username: z.string().optional(),
        password: z.string().optional(),
        identitytoken: z.string().optional(),
        registrytoken: z.string().optional(),
      }),
    )
    .optional(),
  credsStore: z.string().optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
});

/**
 * What `docker-credential-<name> get` prints.
 * https://github.com/docker/docker-credential-helpers/blob/master/client/client.go
 */
export const credentialHelperOutputSchema = z.object({
  ServerURL: z.string().optional(),
  Username: z.string(),
  Secret: z.string(),
});

export type Descriptor = z.infer<typeof descriptorSchema>;
export type ImageIndex = z.infer<typeof indexSchema>;
export type ImageManifest = z.infer<typeof imageManifestSchema>;
export type DockerConfig = z.infer<typeof dockerConfigSchema>;
