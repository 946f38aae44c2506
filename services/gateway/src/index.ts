export { startGateway } from './start.js';
export type { Gateway, GatewayOptions } from './start.js';
export type { HttpMethod, MountedRoute } from './router.js';
export type {
  CampaignSource,
  DeadLetterSource,
  DigestResolver,
  GatewayPorts,
  GraphSource,
  ImageSource,
  TriggerSink,
} from './ports.js';
export type * from './views.js';
export {
  GRAPH_ENDPOINT,
  PLAN_ENDPOINT,
  busGraphSource,
  configGraphSource,
} from './graph-source.js';
export { busTriggerSink, busDeadLetterSource, followEvents } from './bus-adapters.js';
export { createCampaignProjection } from './campaign-projection.js';
export { DISPATCHER_CAMPAIGN_BUCKET, kvCampaignSource, viewOfRecord } from './campaign-kv.js';
export { triggerRequestSchema, DEFAULT_GATEWAY_PORT } from './schema.js';
export { PUBLIC_DIR, OPENAPI_FILE } from './static.js';
export {
  GITHUB_PUSH_PATH,
  PUSH_ENDPOINT,
  githubPushRoute,
  registryWebhookRoute,
} from './webhook-routes.js';
export type { RegistryWebhookHandler, RegistryWebhookRequest } from './webhook-routes.js';
