export { createGitHubAdapter } from './adapter.js';
export type { GitHubAdapterOptions } from './adapter.js';
export { createGitHubClient } from './client.js';
export type {
  GitHubAuth,
  GitHubClient,
  GitHubClientSettings,
  GitHubOctokit,
  GitHubRateLimitSettings,
} from './client.js';
export { createAppJwt, parseAppPrivateKey } from './app-auth.js';
export type { AppCredentials } from './app-auth.js';
export { toGitHubError } from './errors.js';
export { resolveGitHubSettings } from './settings.js';
export { gitHubPortFromConfig } from './from-config.js';
export type { ResolveOptions } from './settings.js';
export {
  githubAppAuthSchema,
  githubConfigSchema,
  githubPullRequestSchema,
  githubRateLimitSchema,
  githubTokenAuthSchema,
} from './schema.js';
export type {
  GitHubConfig,
  GitHubConfigInput,
  GitHubPullRequestConfig,
  GitHubRateLimitConfig,
} from './schema.js';
export {
  CHECK_RUN_CONCLUSIONS,
  CHECK_RUN_STATUSES,
  COMMIT_STATUS_STATES,
  PULL_REQUEST_STATES,
  TREE_ENTRY_TYPES,
} from './port.js';
export type * from './port.js';
