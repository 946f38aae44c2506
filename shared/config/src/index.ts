export { configJsonSchema, configSchema, imageSchema, sourceSchema } from './schema.js';
export type { Config, ConfigInput, ImageEntry, SourceEntry } from './schema.js';
export { loadConfig, parseConfig } from './load.js';
export type { LoadedConfig } from './load.js';
export { applyEnvOverrides } from './env.js';
