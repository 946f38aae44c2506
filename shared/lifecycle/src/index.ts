export { BUILD_CLOCKS, EARLIEST_PLAUSIBLE_CREATED, buildTime, plausibleCreated } from './age.js';
export type { BuildClock, BuildTime, BuildTimeInput } from './age.js';
export { DAY_MS, ageInDays, isoDay, parseInstant } from './dates.js';
export { BASE_DIGEST_LABEL, BASE_NAME_LABEL } from './facts.js';
export type {
  BaseHistory,
  BaseSighting,
  FirstSeenSource,
  ImageFacts,
  ImageInspector,
  InspectResult,
} from './facts.js';
export { baseDrift } from './drift.js';
export type { BaseDrift } from './drift.js';
export { createRegistryInspector } from './registry-inspector.js';
export type { RegistryInspectorOptions } from './registry-inspector.js';
export { createRegistryBaseHistory } from './registry-bases.js';
export { cachedInspector } from './ttl-cache.js';
export type { CacheSettings } from './ttl-cache.js';
export { imageSubject } from './image-subject.js';
export type { ImageSubjectOptions, ImageSubjectPorts } from './image-subject.js';
export { dockerfileFacts, isRootUser, parseExposedPorts } from './dockerfile-facts.js';
export type {
  DockerfileBase,
  DockerfileFacts,
  DockerfileFactsOptions,
  ExposedPort,
} from './dockerfile-facts.js';
export { owningRepository } from './owner.js';
export type { GraphCatalog, GraphDependencies, SourceLayout } from './layout.js';
export {
  POLICY_ACTIONS,
  RULE_NAMES,
  SEVERITIES,
  policiesSchema,
  policyExceptionSchema,
  policySchema,
  scanSummarySchema,
} from './schema.js';
export type {
  Policy,
  PolicyAction,
  PolicyException,
  PolicyInput,
  PolicyRules,
  RuleName,
  ScanSummary,
  Severity,
} from './schema.js';
export { BASELINE_POLICY, effectivePolicies } from './baseline.js';
export { globMatch, policyVersion, selects } from './policy-match.js';
export type { ExceptionUse } from './policy-match.js';
export { DECISIONS, evaluatePolicies, overallDecision } from './evaluate.js';
export type { DataSource, Decision, EvaluateContext, Finding, Verdict } from './evaluate.js';
export type { DockerfileSubject, ImageSubject, Subject } from './subject.js';
export { runCheck } from './check.js';
export type { CatalogEntry, CheckRequest } from './check.js';
export { CHECK_FORMATS, checkMarkdown, checkText } from './check-format.js';
export type { CheckFormat } from './check-format.js';
export { SARIF_SCHEMA_URI, toSarif } from './sarif.js';
export type { SarifOptions } from './sarif.js';
export { byUrgency, deprecatedReport } from './report-deprecated.js';
export type { DeprecatedEntry, DeprecatedReportOptions } from './report-deprecated.js';
export { ageReport, catalogBaseRefs, catalogImages, toAgeEntry } from './report-age.js';
export type { AgeEntry } from './report-age.js';
export {
  REPORT_FORMATS,
  ageCsv,
  ageMarkdown,
  csvField,
  deprecatedCsv,
  deprecatedMarkdown,
  describeProducts,
} from './report-format.js';
export type { ReportFormat } from './report-format.js';
export { ageChartSvg, escapeHtml, htmlReport } from './report-html.js';
export type { HtmlReportInput } from './report-html.js';
export { DASHBOARD_MARKER, DASHBOARD_TITLE, dashboardIssues, syncDashboards } from './dashboard.js';
export type { DashboardIssue, DashboardIssuePort } from './dashboard.js';
export { CHECKED_KINDS, containerImages } from './admission-images.js';
export type { ContainerImage } from './admission-images.js';
export { admissionReviewSchema, admissionSettingsSchema } from './admission-schema.js';
export type {
  AdmissionRequest,
  AdmissionResponse,
  AdmissionReviewRequest,
  AdmissionReviewResponse,
  AdmissionSettings,
  AdmissionSettingsInput,
} from './admission-schema.js';
export { reviewAdmission } from './admission-review.js';
export type { AdmissionDeps, AdmissionOutcome, ImageCheck } from './admission-review.js';
export { createAdmissionChecker, startAdmissionServer } from './admission-server.js';
export type {
  AdmissionCheckerOptions,
  AdmissionServer,
  AdmissionServerOptions,
} from './admission-server.js';
