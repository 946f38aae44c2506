export { SWEEP_LEASE_KEY, lifecycleConsumer, lifecycleService } from './service.js';
export type { LifecycleOptions } from './service.js';
export { startLifecycle } from './start.js';
export type { StartLifecycleOptions } from './start.js';
export { configInputs, loadedInputs } from './inputs.js';
export { sweep } from './sweep.js';
export type { SweepInputs, SweepPorts } from './sweep.js';
export { onDigestChanged, onScanCompleted } from './handlers.js';
export {
  firstSeenSource,
  recordSighting,
  sightingsBaseHistory,
  tagKey,
  watcherState,
} from './sightings.js';
export type { SightingPorts, WatcherState } from './sightings.js';
export { bothSinks, directoryReportSink, kvReportSink, writeReports } from './reports.js';
export type { ReportSink } from './reports.js';
export {
  REPORTS_BUCKET,
  SCANS_BUCKET,
  SIGHTINGS_BUCKET,
  VERDICTS_BUCKET,
  WATCHER_BUCKET,
  reportRecordSchema,
  sweepEndpoint,
  tagHistorySchema,
  verdictRecordSchema,
} from './schema.js';
export type { ReportRecord, Sighting, SweepSummary, TagHistory, VerdictRecord } from './schema.js';
export { configuredDashboards, issueDashboards } from './dashboards.js';
export type { DashboardIssueSettings, IssueTracker } from './dashboards.js';
