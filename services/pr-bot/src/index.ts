export { prBotConsumer, prBotService, prBotSettings } from './service.js';
export type { PrBotConfig, PrBotOptions } from './service.js';
export { startPrBot } from './start.js';
export type { StartPrBotOptions } from './start.js';
export { onPrRequested } from './handlers.js';
export type { PrBotPorts, PrBotSettings } from './handlers.js';
export {
  STATUS_CONTEXT,
  onDispatchRequested,
  onScanCompleted,
  pollPullRequests,
} from './follow.js';
export { commitMessage, prBody, prTitle } from './body.js';
export { PR_BOT_BUCKET, branchRecordSchema, branchStore } from './state.js';
export type { BranchRecord, BranchStore } from './state.js';
