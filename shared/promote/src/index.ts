export {
  STAGING_PLACEHOLDERS,
  promoteSchema,
  scanFactsSchema,
  stagingTagProblem,
} from './schema.js';
export type { PromoteSettings, PromoteSettingsInput } from './schema.js';
export { stagingReference, stagingTarget } from './staging.js';
export type { StagingVars } from './staging.js';
export { VERDICT_RESULTS } from './types.js';
export type {
  PromotionRequest,
  PromotionResult,
  PromotionVerdict,
  ScanFacts,
  VerdictResult,
} from './types.js';
export { GATE_POLICY, GATE_VERSION } from './gate.js';
export { gatePolicies } from './policies.js';
export { productionTargets } from './copy.js';
export { promoteImage } from './promote.js';
export type { PromoteOptions } from './promote.js';
