import { nodeId, repoUrls, userJson } from './shapes.js';
import { labelJson } from './shapes-pulls.js';
import type { IssueState, PullState, RepoState } from './state.js';

/** components/schemas/issue, for an issue or (with `pull_request`) a pull request. */
export function issueJson(base: string, r: RepoState, i: IssueState | PullState) {
  const { api, html } = repoUrls(base, r);
  const isPull = 'head' in i;
  const url = `${api}/issues/${i.number}`;
  const htmlUrl = `${html}/${isPull ? 'pull' : 'issues'}/${i.number}`;
  return {
    id: i.id,
    node_id: nodeId(isPull ? 'PullRequest' : 'Issue', i.id),
    url,
    repository_url: api,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: htmlUrl,
    number: i.number,
    state: i.state,
    title: i.title,
    body: i.body,
    user: userJson(base, i.user),
    labels: i.labels.flatMap((name) =>
      r.labels.filter((l) => l.name === name).map((l) => labelJson(base, r, l)),
    ),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: r.comments.filter((c) => c.issueNumber === i.number).length,
    ...(isPull
      ? {
          pull_request: {
            url: `${api}/pulls/${i.number}`,
            html_url: htmlUrl,
            diff_url: `${htmlUrl}.diff`,
            patch_url: `${htmlUrl}.patch`,
            merged_at: i.mergedAt,
          },
          draft: i.draft,
        }
      : {}),
    closed_at: i.closedAt,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    author_association: i.user.login === r.owner.login ? 'OWNER' : 'CONTRIBUTOR',
  };
}
