import type { CommitInfo } from './git.js';
import type { Account, RepoState } from './state.js';

/**
 * GitHub's JSON for users, repositories and git objects, with every field
 * the description requires. Field names follow components/schemas/<name>.
 */

export function nodeId(kind: string, id: number | string): string {
  return Buffer.from(`0:${kind}${id}`).toString('base64').replace(/=+$/, '');
}

/** components/schemas/simple-user */
export function userJson(base: string, a: Account) {
  const url = `${base}/users/${a.login}`;
  return {
    login: a.login,
    id: a.id,
    node_id: nodeId(a.type, a.id),
    avatar_url: `${base}/_avatars/${a.id}`,
    gravatar_id: '',
    url,
    html_url: `${base}/${a.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: a.type,
    site_admin: false,
    user_view_type: 'public',
  };
}

export function repoUrls(base: string, r: Pick<RepoState, 'owner' | 'name'>) {
  return {
    api: `${base}/repos/${r.owner.login}/${r.name}`,
    html: `${base}/${r.owner.login}/${r.name}`,
  };
}

/** Covers minimal-repository, repository and full-repository. */
export function repoJson(base: string, r: RepoState) {
  const { api, html } = repoUrls(base, r);
  const openIssues = r.pulls.filter((p) => p.state === 'open').length;
  return {
    id: r.id,
    node_id: nodeId('Repository', r.id),
    name: r.name,
    full_name: `${r.owner.login}/${r.name}`,
    private: r.private,
    owner: userJson(base, r.owner),
    html_url: html,
    description: r.description,
    fork: r.fork,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `${html.replace(/^http/, 'git')}.git`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@${new URL(base).host}:${r.owner.login}/${r.name}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    hooks_url: `${api}/hooks`,
    clone_url: `${html}.git`,
    mirror_url: null,
    svn_url: html,
    homepage: null,
    language: null,
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: r.defaultBranch,
    open_issues_count: openIssues,
    open_issues: openIssues,
    is_template: false,
    topics: r.topics,
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: r.archived,
    disabled: false,
    visibility: r.private ? 'private' : 'public',
    pushed_at: r.pushedAt,
    created_at: r.createdAt,
    updated_at: r.pushedAt,
    permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
    allow_forking: true,
    web_commit_signoff_required: false,
    license: null,
    network_count: 0,
    subscribers_count: 0,
    allow_merge_commit: true,
    allow_squash_merge: true,
    allow_rebase_merge: false,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
  };
}

/** components/schemas/git-ref */
export function refJson(base: string, r: RepoState, ref: string, sha: string, type = 'commit') {
  const { api } = repoUrls(base, r);
  return {
    ref,
    node_id: nodeId('Ref', `${r.id}:${ref}`),
    url: `${api}/git/${ref}`,
    object: { type, sha, url: `${api}/git/${type}s/${sha}` },
  };
}

function isoFromEpoch(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** components/schemas/git-commit */
export function gitCommitJson(base: string, r: RepoState, c: CommitInfo) {
  const { api, html } = repoUrls(base, r);
  const person = (p: CommitInfo['author']) => ({
    name: p.name,
    email: p.email,
    date: isoFromEpoch(p.date),
  });
  return {
    sha: c.sha,
    node_id: nodeId('Commit', c.sha),
    url: `${api}/git/commits/${c.sha}`,
    html_url: `${html}/commit/${c.sha}`,
    author: person(c.author),
    committer: person(c.committer),
    tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
    message: c.message.replace(/\n$/, ''),
    parents: c.parents.map((p) => ({
      sha: p,
      url: `${api}/git/commits/${p}`,
      html_url: `${html}/commit/${p}`,
    })),
    verification: {
      verified: false,
      reason: 'unsigned',
      signature: null,
      payload: null,
      verified_at: null,
    },
  };
}

/** components/schemas/blob */
export function blobJson(base: string, r: RepoState, sha: string, content: Buffer) {
  return {
    sha,
    node_id: nodeId('Blob', sha),
    url: `${repoUrls(base, r).api}/git/blobs/${sha}`,
    size: content.length,
    content: content.toString('base64'),
    encoding: 'base64',
  };
}

/** components/schemas/content-file; files over 1 MB come without content, as on GitHub. */
export function contentFileJson(
  base: string,
  r: RepoState,
  entry: { path: string; sha: string; type: string },
  ref: string,
  content: Buffer | undefined,
) {
  const { api, html } = repoUrls(base, r);
  const self = `${api}/contents/${entry.path}?ref=${encodeURIComponent(ref)}`;
  const git = `${api}/git/${entry.type === 'dir' ? 'trees' : 'blobs'}/${entry.sha}`;
  const htmlUrl = `${html}/${entry.type === 'dir' ? 'tree' : 'blob'}/${ref}/${entry.path}`;
  const big = content !== undefined && content.length > 1024 * 1024;
  return {
    type: entry.type,
    name: entry.path.split('/').pop() ?? entry.path,
    path: entry.path,
    sha: entry.sha,
    size: content?.length ?? 0,
    url: self,
    html_url: htmlUrl,
    git_url: git,
    download_url:
      entry.type === 'file' ? `${base}/_raw/${r.owner.login}/${r.name}/${ref}/${entry.path}` : null,
    _links: { self, git, html: htmlUrl },
    ...(content === undefined
      ? {}
      : {
          content: big ? '' : wrap(content.toString('base64')),
          encoding: big ? 'none' : 'base64',
        }),
  };
}

/** GitHub wraps base64 content at 60 characters; a client must cope. */
function wrap(base64: string): string {
  return (base64.match(/.{1,60}/g) ?? []).join('\n') + (base64 ? '\n' : '');
}
