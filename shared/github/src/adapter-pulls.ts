import type { z } from 'zod';
import type { GitHubClient } from './client.js';
import { call } from './call.js';
import { parseResponse } from './errors.js';
import type { GitHubPort, PullRequest, PullRequestUpdate, RepoRef } from './port.js';
import { issueCommentSchema, labelSchema, pullRequestSchema } from './schema.js';

type PullPort = Pick<
  GitHubPort,
  | 'findOpenPullRequest'
  | 'findPullRequests'
  | 'getPullRequest'
  | 'openPullRequest'
  | 'updatePullRequest'
  | 'closePullRequest'
  | 'comment'
  | 'addLabels'
  | 'requestReviewers'
>;

function toPullRequest(data: z.infer<typeof pullRequestSchema>): PullRequest {
  return {
    number: data.number,
    htmlUrl: data.html_url,
    state: data.state,
    merged: data.merged_at !== null,
    mergeCommitSha: data.merged_at !== null ? (data.merge_commit_sha ?? undefined) : undefined,
    title: data.title,
    body: data.body ?? '',
    draft: data.draft ?? false,
    head: { branch: data.head.ref, sha: data.head.sha },
    base: { branch: data.base.ref, sha: data.base.sha },
    labels: data.labels.map((l) => l.name),
  };
}

export function pullAdapter(client: GitHubClient): PullPort {
  const gh = (r: RepoRef) => client.forOwner(r.owner);
  const at = (r: RepoRef, path: string) => `${client.baseUrl}/repos/${r.owner}/${r.repo}${path}`;
  const pull = (data: unknown, where: string) =>
    toPullRequest(parseResponse(pullRequestSchema, data, where));

  async function findOpenPullRequest(r: RepoRef, headBranch: string) {
    const where = at(r, `/pulls?head=${r.owner}:${headBranch}`);
    // GitHub filters by head only in the `owner:branch` form.
    const { data } = await call(where, () =>
      gh(r).rest.pulls.list({
        ...r,
        head: `${r.owner}:${headBranch}`,
        state: 'open',
        per_page: 10,
      }),
    );
    const first = data[0];
    return first === undefined ? undefined : pull(first, where);
  }

  async function findPullRequests(r: RepoRef, headBranch: string) {
    const where = at(r, `/pulls?head=${r.owner}:${headBranch}&state=all`);
    const { data } = await call(where, () =>
      gh(r).rest.pulls.list({
        ...r,
        head: `${r.owner}:${headBranch}`,
        state: 'all',
        sort: 'created',
        direction: 'desc',
        per_page: 10,
      }),
    );
    return data.map((d) => pull(d, where));
  }

  async function getPullRequest(r: RepoRef, number: number) {
    const where = at(r, `/pulls/${number}`);
    const { data } = await call(where, () => gh(r).rest.pulls.get({ ...r, pull_number: number }));
    return pull(data, where);
  }

  async function openPullRequest(
    r: RepoRef,
    request: Parameters<GitHubPort['openPullRequest']>[1],
  ) {
    const where = at(r, '/pulls');
    const { data } = await call(
      where,
      () =>
        gh(r).rest.pulls.create({
          ...r,
          head: request.head,
          base: request.base,
          title: request.title,
          body: request.body,
          draft: request.draft ?? false,
        }),
      [
        {
          status: 422,
          message: /already exists/i,
          code: 'github.pull-request-exists',
          text: `a pull request from ${request.head} is already open`,
          fix: 'find it with findOpenPullRequest and update it instead',
        },
      ],
    );
    return pull(data, where);
  }

  async function updatePullRequest(r: RepoRef, number: number, update: PullRequestUpdate) {
    const where = at(r, `/pulls/${number}`);
    const { data } = await call(where, () =>
      gh(r).rest.pulls.update({ ...r, pull_number: number, ...update }),
    );
    return pull(data, where);
  }

  function closePullRequest(r: RepoRef, number: number) {
    return updatePullRequest(r, number, { state: 'closed' });
  }

  async function comment(r: RepoRef, issueNumber: number, body: string) {
    const where = at(r, `/issues/${issueNumber}/comments`);
    const { data } = await call(where, () =>
      gh(r).rest.issues.createComment({ ...r, issue_number: issueNumber, body }),
    );
    const parsed = parseResponse(issueCommentSchema, data, where);
    return { id: parsed.id, htmlUrl: parsed.html_url };
  }

  async function addLabels(r: RepoRef, issueNumber: number, labels: string[]) {
    const where = at(r, `/issues/${issueNumber}/labels`);
    const { data } = await call(where, () =>
      gh(r).rest.issues.addLabels({ ...r, issue_number: issueNumber, labels }),
    );
    return data.map((l) => parseResponse(labelSchema, l, where).name);
  }

  async function requestReviewers(
    r: RepoRef,
    number: number,
    reviewers: Parameters<GitHubPort['requestReviewers']>[2],
  ) {
    const users = reviewers.users ?? [];
    const teams = reviewers.teams ?? [];
    if (users.length === 0 && teams.length === 0) return;
    await call(at(r, `/pulls/${number}/requested_reviewers`), () =>
      gh(r).rest.pulls.requestReviewers({
        ...r,
        pull_number: number,
        reviewers: users,
        team_reviewers: teams,
      }),
    );
  }

  return {
    findOpenPullRequest,
    findPullRequests,
    getPullRequest,
    openPullRequest,
    updatePullRequest,
    closePullRequest,
    comment,
    addLabels,
    requestReviewers,
  };
}
