import { validate } from 'node-cron';
import { z } from 'zod';

/** The webhook formats restack understands, one endpoint each: `POST /webhooks/<kind>`. */
export const webhookKinds = ['distribution', 'dockerhub', 'harbor', 'github', 'generic'] as const;
export type WebhookKind = (typeof webhookKinds)[number];

export const DEFAULT_SCHEDULE = '*/10 * * * *';

/** A cron expression as node-cron reads it (5 fields, or 6 with seconds first). */
const cronSchema = z
  .string()
  .min(1)
  .refine((c) => validate(c), 'must be a cron expression such as "*/10 * * * *"');

/** The name of an environment variable: secrets are never written in restack.yaml. */
const envNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the NAME of an environment variable, not its value');

const webhookSecretSchema = z
  .strictObject({
    secretEnv: envNameSchema.describe(
      'Environment variable holding the token or HMAC secret this kind of webhook is checked with.',
    ),
    registry: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Registry host the webhook talks about, when its payload names another one (distribution: request.host).',
      ),
  })
  .describe('How one kind of webhook is authenticated.');

/**
 * The `watch:` section of restack.yaml: when the registry watcher polls,
 * how long it lets an index settle, and which webhooks it accepts.
 */
export const watchSchema = z
  .strictObject({
    schedule: cronSchema
      .default(DEFAULT_SCHEDULE)
      .describe('When every watched reference is looked up (cron, default every 10 minutes).'),
    registries: z
      .record(z.string().min(1), z.strictObject({ schedule: cronSchema }))
      .default({})
      .describe('Per-registry schedule overrides, keyed by registry host as in references.'),
    settleWindowSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(0)
      .describe(
        'When a tag moves again within this many seconds, only the last digest is published.',
      ),
    webhooks: z
      .partialRecord(z.enum(webhookKinds), webhookSecretSchema)
      .default({})
      .describe('Webhook kinds to accept; a kind not listed answers 404.'),
  })
  .describe('The registry watcher: poll schedule, settle window, webhooks.');

export type WatchSettingsInput = z.input<typeof watchSchema>;
export type WatchSettings = z.output<typeof watchSchema>;
export type WebhookSecretSettings = z.output<typeof webhookSecretSchema>;
