import { nodeId, repoJson, repoUrls, userJson } from './shapes.js';
import type {
  Account,
  AppState,
  CheckRunState,
  CommentState,
  InstallationState,
  LabelState,
  PullState,
  RepoState,
  StatusState,
} from './state.js';

/**
 * GitHub's JSON for pull requests, issue comments, labels, statuses, check
 * runs and app installations (components/schemas/<name>).
 */

export interface PullGitFacts {
  headSha: string;
  baseSha: string;
  mergeable: boolean | null;
  commits: number;
  additions: number;
  deletions: number;
  changedFiles: number;
}

export function labelJson(base: string, r: RepoState, l: LabelState) {
  return {
    id: l.id,
    node_id: nodeId('Label', l.id),
    url: `${repoUrls(base, r).api}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    // The label inside a pull request is documented with a string description.
    description: '',
    color: l.color,
    default: false,
  };
}

function teamJson(base: string, r: RepoState, slug: string) {
  const url = `${base}/orgs/${r.owner.login}/teams/${slug}`;
  const id = [...slug].reduce((n, c) => n * 31 + c.charCodeAt(0), 7) % 1_000_000;
  return {
    id,
    node_id: nodeId('Team', id),
    url,
    members_url: `${url}/members{/member}`,
    name: slug,
    description: null,
    permission: 'pull',
    html_url: `${base}/orgs/${r.owner.login}/teams/${slug}`,
    repositories_url: `${url}/repos`,
    slug,
    type: 'organization',
    parent: null,
  };
}

/** pull-request (and, being a superset, pull-request-simple). */
export function pullJson(
  base: string,
  r: RepoState,
  p: PullState,
  facts: PullGitFacts,
  users: (login: string) => Account,
) {
  const { api, html } = repoUrls(base, r);
  const side = (branch: string, sha: string) => ({
    label: `${r.owner.login}:${branch}`,
    ref: branch,
    sha,
    user: userJson(base, r.owner),
    repo: repoJson(base, r),
  });
  const link = (href: string) => ({ href });
  const labels = p.labels.flatMap((name) => r.labels.filter((l) => l.name === name));
  const merged = p.mergedAt !== null;
  return {
    url: `${api}/pulls/${p.number}`,
    id: p.id,
    node_id: nodeId('PullRequest', p.id),
    html_url: `${html}/pull/${p.number}`,
    diff_url: `${html}/pull/${p.number}.diff`,
    patch_url: `${html}/pull/${p.number}.patch`,
    issue_url: `${api}/issues/${p.number}`,
    commits_url: `${api}/pulls/${p.number}/commits`,
    review_comments_url: `${api}/pulls/${p.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${p.number}/comments`,
    statuses_url: `${api}/statuses/${facts.headSha}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user: userJson(base, p.user),
    body: p.body,
    labels: labels.map((l) => labelJson(base, r, l)),
    milestone: null,
    active_lock_reason: null,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    closed_at: p.closedAt,
    merged_at: p.mergedAt,
    merge_commit_sha: p.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: p.requestedReviewers.map((login) => userJson(base, users(login))),
    requested_teams: p.requestedTeams.map((slug) => teamJson(base, r, slug)),
    head: side(p.head, facts.headSha),
    base: side(p.base, facts.baseSha),
    _links: {
      self: link(`${api}/pulls/${p.number}`),
      html: link(`${html}/pull/${p.number}`),
      issue: link(`${api}/issues/${p.number}`),
      comments: link(`${api}/issues/${p.number}/comments`),
      review_comments: link(`${api}/pulls/${p.number}/comments`),
      review_comment: link(`${api}/pulls/comments{/number}`),
      commits: link(`${api}/pulls/${p.number}/commits`),
      statuses: link(`${api}/statuses/${facts.headSha}`),
    },
    author_association: p.user.login === r.owner.login ? 'OWNER' : 'CONTRIBUTOR',
    auto_merge: null,
    draft: p.draft,
    merged,
    mergeable: p.state === 'open' ? facts.mergeable : null,
    rebaseable: null,
    mergeable_state: merged ? 'unknown' : facts.mergeable === false ? 'dirty' : 'clean',
    merged_by: p.mergedBy ? userJson(base, p.mergedBy) : null,
    comments: r.comments.filter((c) => c.issueNumber === p.number).length,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: facts.commits,
    additions: facts.additions,
    deletions: facts.deletions,
    changed_files: facts.changedFiles,
  };
}

export function commentJson(base: string, r: RepoState, c: CommentState) {
  const { api, html } = repoUrls(base, r);
  return {
    id: c.id,
    node_id: nodeId('IssueComment', c.id),
    url: `${api}/issues/comments/${c.id}`,
    html_url: `${html}/issues/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${api}/issues/${c.issueNumber}`,
    body: c.body,
    user: userJson(base, c.user),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: c.user.login === r.owner.login ? 'OWNER' : 'CONTRIBUTOR',
  };
}

export function statusJson(base: string, r: RepoState, s: StatusState) {
  return {
    url: `${repoUrls(base, r).api}/statuses/${s.sha}`,
    avatar_url: null,
    id: s.id,
    node_id: nodeId('StatusContext', s.id),
    state: s.state,
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: s.createdAt,
    updated_at: s.createdAt,
    creator: userJson(base, s.creator),
  };
}

/** components/schemas/integration */
export function appJson(base: string, app: AppState) {
  return {
    id: app.id,
    slug: app.slug,
    node_id: nodeId('Integration', app.id),
    client_id: `Iv1.${app.id.toString(16).padStart(16, '0')}`,
    owner: userJson(base, app.owner),
    name: app.name,
    description: null,
    external_url: `${base}/apps/${app.slug}`,
    html_url: `${base}/apps/${app.slug}`,
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    permissions: { checks: 'write', contents: 'write', metadata: 'read', pull_requests: 'write' },
    events: ['push', 'pull_request'],
  };
}

export function checkRunJson(
  base: string,
  r: RepoState,
  c: CheckRunState,
  app: AppState | undefined,
) {
  const { api, html } = repoUrls(base, r);
  return {
    id: c.id,
    node_id: nodeId('CheckRun', c.id),
    head_sha: c.headSha,
    name: c.name,
    external_id: c.externalId,
    url: `${api}/check-runs/${c.id}`,
    html_url: `${html}/runs/${c.id}`,
    details_url: c.detailsUrl,
    status: c.status,
    conclusion: c.conclusion,
    started_at: c.startedAt,
    completed_at: c.completedAt,
    output: {
      title: c.title,
      summary: c.summary,
      text: null,
      annotations_count: 0,
      annotations_url: `${api}/check-runs/${c.id}/annotations`,
    },
    check_suite: { id: c.id + 1 },
    app: app ? appJson(base, app) : null,
    pull_requests: [],
  };
}

/** components/schemas/installation */
export function installationJson(base: string, i: InstallationState, app: AppState) {
  return {
    id: i.id,
    account: userJson(base, i.account),
    repository_selection: 'all',
    access_tokens_url: `${base}/app/installations/${i.id}/access_tokens`,
    repositories_url: `${base}/installation/repositories`,
    html_url: `${base}/settings/installations/${i.id}`,
    app_id: app.id,
    app_slug: app.slug,
    target_id: i.account.id,
    target_type: i.account.type,
    permissions: appJson(base, app).permissions,
    events: appJson(base, app).events,
    created_at: i.createdAt,
    updated_at: i.createdAt,
    single_file_name: null,
    suspended_by: null,
    suspended_at: null,
  };
}
