export { createSources } from './create.js';
export type { CreateSourcesOptions } from './create.js';
export { isIndexedPath } from './files.js';
export { localRepositoryName, localSource, relativeId } from './local.js';
export { defaultGitName, gitSource, repositoryOfUrl } from './git.js';
export type { GitSourceOptions } from './git.js';
export { gitEnv, redactUrl } from './git-cli.js';
export type { GitCredentials } from './git-cli.js';
export { githubSource } from './github.js';
export type { GitHubSourceOptions } from './github.js';
export { pushChange, pushPayloadSchema, verifyPush } from './push.js';
export { sourceKinds } from './types.js';
export type {
  Location,
  PushChange,
  Source,
  SourceChange,
  SourceKind,
  SourceListing,
  SourceProblem,
  SourceState,
} from './types.js';
