export {
  compareSeverity,
  countBySeverity,
  emptyCounts,
  normaliseSeverity,
  severities,
  severityCountsSchema,
} from './severity.js';
export type { Severity, SeverityCounts } from './severity.js';
export {
  compareFindings,
  dedupeVulnerabilities,
  findingKey,
  scannerNames,
  vulnerabilityReportSchema,
  vulnerabilitySchema,
} from './vulnerability.js';
export type {
  ScanOptions,
  ScannerName,
  Vulnerability,
  VulnerabilityReport,
  VulnerabilityScanner,
} from './vulnerability.js';
export { createTrivyScanner, parseTrivyReport, parseTrivyVersion, trivyArgs } from './trivy.js';
export type { TrivyOptions } from './trivy.js';
export { createGrypeScanner, grypeArgs, parseGrypeReport } from './grype.js';
export type { GrypeOptions } from './grype.js';
export { grypeReportSchema, trivyReportSchema, trivyVersionSchema } from './schema.js';
export type { GrypeReport, TrivyReport, TrivyVersion } from './schema.js';
export { runTool } from './run-tool.js';
export type { RunToolOptions } from './run-tool.js';
export { vulnerabilityDelta, vulnerabilityDeltaSchema } from './delta.js';
export type { VulnerabilityDelta } from './delta.js';
export { createScanner, scannerSettingsSchema } from './settings.js';
export type { ScannerSettings, ScannerSettingsInput } from './settings.js';
export { rescanImage } from './rescan.js';
export type {
  BaseCheck,
  RescanPorts,
  RescanRequest,
  RescanResult,
  VulnerabilityScan,
} from './rescan.js';
export { inventoryDiffSchema, scanRecordSchema } from './record.js';
export type { ScanRecord, ScanResultStore } from './record.js';
export {
  credentialKey,
  isInsecureRegistry,
  registryCredentials,
  registryImageSource,
} from './registry-access.js';
export type { RegistryAccess } from './registry-access.js';
export { rescanSettingsSchema } from './settings.js';
export type { RescanSettings } from './settings.js';
export { baseOf, fixableByBase, readBaseState } from './fixable.js';
export type { BasePorts, BaseState, FixableVerdict } from './fixable.js';
export { exposureOf, fixKey } from './exposure.js';
export type { Exposure, FixSince } from './exposure.js';
export { ADMISSION_SEEN_BUCKET, seenImageSchema } from './seen.js';
export type { SeenImage } from './seen.js';
