export { BUNDLED_DATA_DIR, catalogDataDate, findCycle, loadCatalog } from './catalog.js';
export type { Catalog, CycleMatch } from './catalog.js';
export { defaultLifecycleConfig, parseLifecycleConfig } from './config.js';
export { findDeprecation, matchesReference } from './deprecations.js';
export type { DeprecationMatch } from './deprecations.js';
export { EOL_STATUSES, evaluateReference } from './evaluate.js';
export type {
  EolEvaluation,
  EolStatus,
  EvaluateOptions,
  ProductEvaluation,
  ProductState,
} from './evaluate.js';
export { ENDOFLIFE_BASE_URL, refreshCatalog } from './refresh.js';
export type { RefreshOptions, RefreshResult, RefreshedProduct } from './refresh.js';
export { mapReference } from './rules.js';
export type { MappingOptions, ReferenceMapping } from './rules.js';
export type { CyclePart } from './tag.js';
export {
  apiV0CycleListSchema,
  apiV1ProductResponseSchema,
  deprecationRuleSchema,
  lifecycleConfigSchema,
  productDataSchema,
  releaseCycleSchema,
} from './schema.js';
export type {
  DeprecationRule,
  LifecycleConfig,
  LifecycleConfigInput,
  ProductData,
  ReleaseCycle,
} from './schema.js';
