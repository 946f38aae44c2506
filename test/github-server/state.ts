import type { Git } from './git.js';

/**
 * What the server remembers besides git content. Repository content (refs,
 * trees, blobs, commits) lives only in the bare repositories.
 */

export const ACCOUNT_TYPES = ['User', 'Organization', 'Bot'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export interface Account {
  login: string;
  id: number;
  type: AccountType;
}

export interface LabelState {
  id: number;
  name: string;
  color: string;
}

export interface PullState {
  id: number;
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  state: 'open' | 'closed';
  draft: boolean;
  user: Account;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergedBy: Account | null;
  labels: string[];
  requestedReviewers: string[];
  requestedTeams: string[];
}

export interface CommentState {
  id: number;
  issueNumber: number;
  body: string;
  user: Account;
  createdAt: string;
  updatedAt: string;
}

export interface StatusState {
  id: number;
  sha: string;
  state: string;
  context: string;
  description: string | null;
  targetUrl: string | null;
  creator: Account;
  createdAt: string;
}

export interface CheckRunState {
  id: number;
  headSha: string;
  name: string;
  status: string;
  conclusion: string | null;
  detailsUrl: string | null;
  externalId: string | null;
  title: string | null;
  summary: string | null;
  startedAt: string;
  completedAt: string | null;
  appId: number | null;
}

export interface DispatchRecord {
  kind: 'workflow_dispatch' | 'repository_dispatch';
  /** Workflow file or id for workflow_dispatch, event type for repository_dispatch. */
  target: string;
  ref?: string;
  inputs?: Record<string, unknown>;
  payload?: Record<string, unknown>;
  runId?: number;
  by: string;
}

/** An issue that is not a pull request (pull requests share its number sequence). */
export interface IssueState {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  labels: string[];
  user: Account;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface RepoState {
  id: number;
  owner: Account;
  name: string;
  git: Git;
  description: string | null;
  private: boolean;
  archived: boolean;
  fork: boolean;
  topics: string[];
  defaultBranch: string;
  createdAt: string;
  pushedAt: string;
  /** Issues and pull requests share one sequence, as on GitHub. */
  nextNumber: number;
  labels: LabelState[];
  pulls: PullState[];
  issues: IssueState[];
  comments: CommentState[];
  statuses: StatusState[];
  checkRuns: CheckRunState[];
  dispatches: DispatchRecord[];
}

export interface AppState {
  id: number;
  slug: string;
  name: string;
  owner: Account;
  publicKeyPem: string;
  bot: Account;
}

export interface InstallationState {
  id: number;
  appId: number;
  account: Account;
  createdAt: string;
}

export type Identity =
  | { kind: 'user'; account: Account }
  | { kind: 'installation'; installationId: number; account: Account; bot: Account }
  | { kind: 'app'; appId: number }
  | { kind: 'anonymous' };

export interface ServerState {
  accounts: Map<string, Account>;
  repos: Map<string, RepoState>;
  /** Personal access tokens, by token. */
  userTokens: Map<string, Account>;
  apps: Map<number, AppState>;
  installations: Map<number, InstallationState>;
  installationTokens: Map<string, { installationId: number; expiresAt: number }>;
  nextId(): number;
}

export function createState(): ServerState {
  let id = 1000;
  return {
    accounts: new Map(),
    repos: new Map(),
    userTokens: new Map(),
    apps: new Map(),
    installations: new Map(),
    installationTokens: new Map(),
    nextId: () => ++id,
  };
}

export function repoKey(owner: string, name: string): string {
  return `${owner}/${name}`.toLowerCase();
}

export function account(state: ServerState, login: string, type: AccountType = 'User'): Account {
  const known = state.accounts.get(login.toLowerCase());
  if (known) return known;
  const created = { login, id: state.nextId(), type };
  state.accounts.set(login.toLowerCase(), created);
  return created;
}

export function isoNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The account shown as author of what an identity creates. */
export function actor(identity: Identity): Account {
  switch (identity.kind) {
    case 'user':
      return identity.account;
    case 'installation':
      return identity.bot;
    default:
      return { login: 'ghost', id: 10137, type: 'User' };
  }
}
