/**
 * What restack does on GitHub, independent of Octokit (STYLE.md 7). Handlers
 * depend on this interface; `createGitHubAdapter` implements it.
 */

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface Repository extends RepoRef {
  fullName: string;
  defaultBranch: string;
  archived: boolean;
  fork: boolean;
  private: boolean;
  topics: string[];
  htmlUrl: string;
}

export interface RepositoryFilter {
  /** Keep archived repositories (default false). */
  includeArchived?: boolean;
  /** Keep forks (default false). */
  includeForks?: boolean;
  /** Keep only repositories carrying every one of these topics. */
  topics?: string[];
  /** Glob on the repository name: `*` any run of characters, `?` one character. */
  name?: string;
}

export interface BranchHead {
  branch: string;
  /** The commit the branch points at. */
  sha: string;
  /** That commit's root tree. */
  treeSha: string;
}

export const TREE_ENTRY_TYPES = ['blob', 'tree', 'commit'] as const;
export type TreeEntryType = (typeof TREE_ENTRY_TYPES)[number];

export interface TreeEntry {
  path: string;
  mode: string;
  type: TreeEntryType;
  sha: string;
  size?: number;
}

export interface Tree {
  sha: string;
  /** GitHub stops listing very large trees; a caller must then walk subtrees. */
  truncated: boolean;
  entries: TreeEntry[];
}

export interface FileContent {
  path: string;
  sha: string;
  content: Uint8Array;
}

export interface FileChange {
  path: string;
  /** New content; null deletes the file. */
  content: string | Uint8Array | null;
  /** Defaults to a regular file. */
  executable?: boolean;
}

export interface CommitIdentity {
  name: string;
  email: string;
}

export interface CommitRequest {
  /** The commit the change is made on top of. */
  parentSha: string;
  message: string;
  changes: FileChange[];
  author?: CommitIdentity;
}

export interface Commit {
  sha: string;
  treeSha: string;
}

export const PULL_REQUEST_STATES = ['open', 'closed'] as const;
export type PullRequestState = (typeof PULL_REQUEST_STATES)[number];

export interface PullRequest {
  number: number;
  htmlUrl: string;
  state: PullRequestState;
  merged: boolean;
  mergeCommitSha: string | undefined;
  title: string;
  body: string;
  draft: boolean;
  head: { branch: string; sha: string };
  base: { branch: string; sha: string };
  labels: string[];
}

export interface OpenPullRequest {
  head: string;
  base: string;
  title: string;
  body: string;
  draft?: boolean;
}

export interface PullRequestUpdate {
  title?: string;
  body?: string;
  base?: string;
  state?: PullRequestState;
}

export interface Reviewers {
  users?: string[];
  teams?: string[];
}

export const COMMIT_STATUS_STATES = ['error', 'failure', 'pending', 'success'] as const;
export type CommitStatusState = (typeof COMMIT_STATUS_STATES)[number];

export interface CommitStatus {
  state: CommitStatusState;
  context: string;
  description?: string;
  targetUrl?: string;
}

export const CHECK_RUN_STATUSES = ['queued', 'in_progress', 'completed'] as const;
export type CheckRunStatus = (typeof CHECK_RUN_STATUSES)[number];

export const CHECK_RUN_CONCLUSIONS = [
  'success',
  'failure',
  'neutral',
  'cancelled',
  'skipped',
  'timed_out',
  'action_required',
] as const;
export type CheckRunConclusion = (typeof CHECK_RUN_CONCLUSIONS)[number];

export interface CheckRunFields {
  status?: CheckRunStatus;
  conclusion?: CheckRunConclusion;
  title?: string;
  summary?: string;
  detailsUrl?: string;
  externalId?: string;
}

export interface CheckRunRequest extends CheckRunFields {
  name: string;
  headSha: string;
}

export interface CheckRun {
  id: number;
  htmlUrl: string | undefined;
}

export interface WorkflowDispatch {
  /** Workflow file name (`rebuild.yml`) or numeric id. */
  workflow: string | number;
  /** Branch or tag the workflow runs on. */
  ref: string;
  inputs?: Record<string, string | number | boolean>;
}

export interface WorkflowRun {
  /** Known when GitHub reports the run it started. */
  runId: number | undefined;
  htmlUrl: string | undefined;
}

export interface RepositoryDispatch {
  eventType: string;
  payload?: Record<string, unknown>;
}

export interface IssueComment {
  id: number;
  htmlUrl: string;
}

/** An issue (pull requests excluded). */
export interface Issue {
  number: number;
  htmlUrl: string;
  state: 'open' | 'closed';
  title: string;
  body: string;
  labels: string[];
}

/** Which issues to list: by state (default open) and labels (all must be on the issue). */
export interface IssueFilter {
  state?: 'open' | 'closed' | 'all';
  labels?: string[];
}

export interface NewIssue {
  title: string;
  body: string;
  labels?: string[];
}

export interface IssueUpdate {
  title?: string;
  body?: string;
  state?: 'open' | 'closed';
}

export interface GitHubPort {
  listRepositories(owner: string, filter?: RepositoryFilter): Promise<Repository[]>;
  getRepository(repo: RepoRef): Promise<Repository>;
  /** The head of `branch`, or of the default branch when omitted. */
  getBranchHead(repo: RepoRef, branch?: string): Promise<BranchHead>;
  /** Every entry under a tree, commit or branch, recursively. */
  getTree(repo: RepoRef, treeish: string): Promise<Tree>;
  /** A file at a ref; undefined when the path does not exist there. */
  readFile(repo: RepoRef, path: string, ref: string): Promise<FileContent | undefined>;
  readBlob(repo: RepoRef, sha: string): Promise<Uint8Array>;
  /** Fails with `github.branch-exists` when the branch is already there. */
  createBranch(repo: RepoRef, branch: string, sha: string): Promise<void>;
  /** Fast-forward only unless `force`; fails with `github.not-fast-forward`. */
  updateBranch(
    repo: RepoRef,
    branch: string,
    sha: string,
    opts?: { force?: boolean },
  ): Promise<void>;
  deleteBranch(repo: RepoRef, branch: string): Promise<void>;
  /** Writes blobs, a tree and a commit; moves no branch. */
  createCommit(repo: RepoRef, request: CommitRequest): Promise<Commit>;
  findOpenPullRequest(repo: RepoRef, headBranch: string): Promise<PullRequest | undefined>;
  /** Every pull request from this head branch, open, closed or merged, newest first. */
  findPullRequests(repo: RepoRef, headBranch: string): Promise<PullRequest[]>;
  getPullRequest(repo: RepoRef, number: number): Promise<PullRequest>;
  openPullRequest(repo: RepoRef, request: OpenPullRequest): Promise<PullRequest>;
  updatePullRequest(repo: RepoRef, number: number, update: PullRequestUpdate): Promise<PullRequest>;
  closePullRequest(repo: RepoRef, number: number): Promise<PullRequest>;
  comment(repo: RepoRef, issueNumber: number, body: string): Promise<IssueComment>;
  addLabels(repo: RepoRef, issueNumber: number, labels: string[]): Promise<string[]>;
  /** Every issue matching the filter, all pages, pull requests left out. */
  listIssues(repo: RepoRef, filter?: IssueFilter): Promise<Issue[]>;
  /** The first issue (lowest number) with exactly this title and, if given, these labels. */
  findIssue(repo: RepoRef, title: string, filter?: IssueFilter): Promise<Issue | undefined>;
  createIssue(repo: RepoRef, issue: NewIssue): Promise<Issue>;
  updateIssue(repo: RepoRef, number: number, update: IssueUpdate): Promise<Issue>;
  requestReviewers(repo: RepoRef, number: number, reviewers: Reviewers): Promise<void>;
  setCommitStatus(repo: RepoRef, sha: string, status: CommitStatus): Promise<void>;
  createCheckRun(repo: RepoRef, request: CheckRunRequest): Promise<CheckRun>;
  updateCheckRun(repo: RepoRef, id: number, fields: CheckRunFields): Promise<CheckRun>;
  dispatchWorkflow(repo: RepoRef, dispatch: WorkflowDispatch): Promise<WorkflowRun>;
  dispatchRepository(repo: RepoRef, dispatch: RepositoryDispatch): Promise<void>;
  /** The gzipped tarball of a ref, as GitHub's archive endpoint serves it. */
  downloadTarball(repo: RepoRef, ref: string): Promise<Uint8Array>;
}
