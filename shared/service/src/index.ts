export { startRuntime, startService } from './runtime.js';
export type { Runtime, RuntimeOptions } from './runtime.js';
export { answer, defineService, on, withBus } from './definition.js';
export type {
  ServiceContext,
  ServiceDefinition,
  ServiceEndpoint,
  ServiceHandler,
  StopWork,
} from './definition.js';
export { createMetrics } from './metrics.js';
export type { ServiceMetrics } from './metrics.js';
export { startHttpServer } from './http.js';
export type { HealthSource, HttpEndpoint, HttpSettings } from './http.js';
