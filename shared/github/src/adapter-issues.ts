import type { z } from 'zod';
import type { GitHubClient } from './client.js';
import { call } from './call.js';
import { parseResponse } from './errors.js';
import type { GitHubPort, Issue, IssueFilter, RepoRef } from './port.js';
import { issueSchema } from './schema.js';

type IssuePort = Pick<GitHubPort, 'listIssues' | 'findIssue' | 'createIssue' | 'updateIssue'>;

function toIssue(data: z.infer<typeof issueSchema>): Issue {
  return {
    number: data.number,
    htmlUrl: data.html_url,
    state: data.state,
    title: data.title,
    body: data.body ?? '',
    labels: data.labels
      .map((l) => (typeof l === 'string' ? l : l.name))
      .filter((l): l is string => l !== undefined),
  };
}

export function issueAdapter(client: GitHubClient): IssuePort {
  const gh = (r: RepoRef) => client.forOwner(r.owner);
  const at = (r: RepoRef, path: string) => `${client.baseUrl}/repos/${r.owner}/${r.repo}${path}`;

  async function listIssues(r: RepoRef, filter: IssueFilter = {}) {
    const where = at(r, '/issues');
    const items = await call(where, () =>
      gh(r).paginate(gh(r).rest.issues.listForRepo, {
        ...r,
        state: filter.state ?? 'open',
        ...(filter.labels?.length ? { labels: filter.labels.join(',') } : {}),
        per_page: 100,
      }),
    );
    return items
      .map((item) => parseResponse(issueSchema, item, where))
      .filter((item) => item.pull_request === undefined) // the issues route lists pull requests too
      .map(toIssue)
      .sort((a, b) => a.number - b.number);
  }

  async function findIssue(r: RepoRef, title: string, filter: IssueFilter = {}) {
    return (await listIssues(r, filter)).find((i) => i.title === title);
  }

  async function createIssue(r: RepoRef, issue: Parameters<GitHubPort['createIssue']>[1]) {
    const where = at(r, '/issues');
    const { data } = await call(where, () =>
      gh(r).rest.issues.create({
        ...r,
        title: issue.title,
        body: issue.body,
        ...(issue.labels?.length ? { labels: issue.labels } : {}),
      }),
    );
    return toIssue(parseResponse(issueSchema, data, where));
  }

  async function updateIssue(
    r: RepoRef,
    number: number,
    update: Parameters<GitHubPort['updateIssue']>[2],
  ) {
    const where = at(r, `/issues/${number}`);
    const { data } = await call(where, () =>
      gh(r).rest.issues.update({ ...r, issue_number: number, ...update }),
    );
    return toIssue(parseResponse(issueSchema, data, where));
  }

  return { listIssues, findIssue, createIssue, updateIssue };
}
