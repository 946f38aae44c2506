export {
  configJsonSchema,
  configSchema,
  gitSourceSchema,
  githubSourceSchema,
  imageSchema,
  pathSourceSchema,
  sourceSchema,
} from './schema.js';
export type {
  Config,
  ConfigInput,
  GitHubSourceEntry,
  GitSourceEntry,
  ImageEntry,
  PathSourceEntry,
  SourceEntry,
} from './schema.js';
export { loadConfig, parseConfig } from './load.js';
export type { LoadedConfig } from './load.js';
export { applyEnvOverrides } from './env.js';
