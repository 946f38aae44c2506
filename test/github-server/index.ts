export { startGitHubServer } from './server.js';
export type { GitHubServerOptions, GitHubTestServer, RecordedRequest } from './server.js';
export type { Control, PushSpec, RepoSpec } from './control.js';
export type { Fault } from './faults.js';
export { loadOpenApi } from './openapi.js';
export type {
  Account,
  CheckRunState,
  CommentState,
  DispatchRecord,
  PullState,
  StatusState,
} from './state.js';
