export {
  ACTIONS,
  CAMPAIGN_STATES,
  TARGET_STATES,
  actionRuleSchema,
  actionsSchema,
  bumpSchema,
  campaignRecordSchema,
  dryRunSchema,
  limitsSchema,
  pullRequestsSchema,
  scheduleSchema,
  targetRecordSchema,
} from './schema.js';
export type {
  Action,
  ActionRule,
  Bump,
  CampaignRecord,
  Limits,
  PullRequestSettings,
  Schedule,
  TargetRecord,
  TargetState,
} from './schema.js';
export { createCampaign, globMatches, imageName, resolveAction } from './create.js';
export type { CreateOptions } from './create.js';
export { advance, bumpsFor, emptyUsage, prGroup, usageOf } from './advance.js';
export type { AdvanceOptions, Usage } from './advance.js';
export {
  TERMINAL,
  UP_TO_DATE,
  coverChained,
  markStale,
  onFailure,
  onImageDigest,
  onPrOpened,
  onPrUpdated,
  supersede,
} from './machine.js';
export { onPromoted, onPromotionRefused, onStaged } from './promotion.js';
export { markPublished } from './outbox.js';
export { descendants, outboxEvents } from './request.js';
export { branchName, branchSlug } from './branch.js';
export { inSchedule, parseCron } from './cron.js';
export type { CronMatcher } from './cron.js';
