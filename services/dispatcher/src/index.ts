export { dispatcherConsumer, dispatcherService } from './service.js';
export type { DispatcherConfig, DispatcherOptions } from './service.js';
export { settle, tick } from './handlers.js';
export type { DispatcherPorts, DispatcherSettings, ImagePlanner } from './handlers.js';
export {
  CAMPAIGN_BUCKET,
  PRODUCED_RETENTION_MS,
  TRIGGER_BUCKET,
  campaignStore,
  producedBucket,
  producedSchema,
  triggerIndexSchema,
} from './store.js';
export type { CampaignStore, Produced, TriggerIndex } from './store.js';
export { startDispatcher } from './start.js';
export type { StartDispatcherOptions } from './start.js';
