export { discoverClaims, sortClaims } from './discover.js';
export { isDockerfileName } from './walk.js';
export type { DiscoverOptions, Discovery } from './discover.js';
export {
  COMPOSE_FILE_NAMES,
  COMPOSE_OVERRIDE_FILE_NAMES,
  parseCompose,
  parseComposeProject,
  parseDotEnv,
} from './compose.js';
export type { ParseResult } from './compose.js';
export { parseBake, parseBakeProject } from './bake.js';
export { BAKE_FILE_NAMES } from './bake-file.js';
export type { BakeFormat, BakeSourceFile } from './bake-file.js';
export { parseWorkflow } from './workflow.js';
export { parseDirectives } from './directive.js';
export { mergeClaims } from './merge.js';
export type { MergeOptions, MergedCatalog } from './merge.js';
export { interpolateCompose } from './interpolate.js';
export { toRestackError } from './problem.js';
export {
  catalogImageSchema,
  claimSchema,
  claimSources,
  explicitImageSchema,
  imageSources,
  problemCodes,
  problemSchema,
} from './schema.js';
export type {
  CatalogImage,
  Claim,
  ClaimSource,
  ExplicitImage,
  ImageSource,
  Problem,
  ProblemCode,
} from './schema.js';
