export { DEFAULT_SCHEDULE, watchSchema, webhookKinds } from './config.js';
export type {
  WatchSettings,
  WatchSettingsInput,
  WebhookKind,
  WebhookSecretSettings,
} from './config.js';
export { MAX_WEBHOOK_BYTES, SIGNATURE_HEADER, readWebhook } from './parse.js';
export type {
  WebhookHint,
  WebhookRequest,
  WebhookResult,
  WebhookSecret,
  WebhookSecrets,
} from './parse.js';
export { sameSecret, signBody, verifyGithub, verifyHmac } from './verify.js';
export {
  distributionEnvelopeSchema,
  dockerHubPayloadSchema,
  genericPayloadSchema,
  githubPackageEventSchema,
  harborCloudEventSchema,
  harborDefaultSchema,
} from './schema.js';
