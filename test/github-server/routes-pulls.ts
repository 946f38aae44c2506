import { MERGE_METHODS, mergePull, pullFacts, type MergeMethod } from './pulls.js';
import {
  HttpError,
  body,
  notFound,
  page,
  repoOf,
  sortByDate,
  unprocessable,
  type Route,
  type RouteContext,
} from './route-kit.js';
import { commentJson, labelJson, pullJson } from './shapes-pulls.js';
import { account, actor, isoNow, type PullState, type RepoState } from './state.js';

/** Pull requests, their comments and labels. */

async function pullBody(ctx: RouteContext, repo: RepoState, pull: PullState) {
  return pullJson(ctx.base, repo, pull, await pullFacts(repo, pull), (login) =>
    account(ctx.state, login),
  );
}

function pullOf(ctx: RouteContext, repo: RepoState): PullState {
  const number = Number(ctx.params.pull_number ?? ctx.params.issue_number);
  const pull = repo.pulls.find((p) => p.number === number);
  if (!pull) throw notFound();
  return pull;
}

/** `owner:branch` or `branch`, as the head filter and field accept. */
function branchOf(repo: RepoState, head: string): string | undefined {
  const colon = head.indexOf(':');
  if (colon === -1) return head;
  return head.slice(0, colon).toLowerCase() === repo.owner.login.toLowerCase()
    ? head.slice(colon + 1)
    : undefined;
}

const list: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const state = ctx.query.get('state') ?? 'open';
  const head = ctx.query.get('head');
  const base = ctx.query.get('base');
  const headBranch = head === null ? null : branchOf(repo, head);
  const pulls = sortByDate(repo.pulls, ctx).filter(
    (p) =>
      (state === 'all' || p.state === state) &&
      (headBranch === null || p.head === headBranch) &&
      (base === null || p.base === base),
  );
  const bodies = await Promise.all(pulls.map((p) => pullBody(ctx, repo, p)));
  return page(ctx, `/repos/${repo.owner.login}/${repo.name}/pulls`, bodies);
};

const get: Route = async (ctx) => {
  const repo = repoOf(ctx);
  return { status: 200, body: await pullBody(ctx, repo, pullOf(ctx, repo)) };
};

interface CreateInput {
  title?: string;
  head: string;
  base: string;
  body?: string;
  draft?: boolean;
}

const create: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const input = body<CreateInput>(ctx);
  const head = branchOf(repo, input.head);
  const invalid = (field: string) =>
    unprocessable('Validation Failed', [{ resource: 'PullRequest', field, code: 'invalid' }]);
  if (!input.title)
    throw unprocessable('Validation Failed', [
      { resource: 'PullRequest', field: 'title', code: 'missing_field' },
    ]);
  const headSha = head ? await repo.git.refSha(`refs/heads/${head}`) : undefined;
  const baseSha = await repo.git.refSha(`refs/heads/${input.base}`);
  if (!head || !headSha) throw invalid('head');
  if (!baseSha) throw invalid('base');
  if (repo.pulls.some((p) => p.state === 'open' && p.head === head && p.base === input.base)) {
    throw unprocessable('Validation Failed', [
      {
        resource: 'PullRequest',
        code: 'custom',
        message: `A pull request already exists for ${repo.owner.login}:${head}.`,
      },
    ]);
  }
  if (await repo.git.isAncestor(headSha, baseSha)) {
    throw unprocessable('Validation Failed', [
      {
        resource: 'PullRequest',
        code: 'custom',
        message: `No commits between ${input.base} and ${head}`,
      },
    ]);
  }
  const now = isoNow();
  const pull: PullState = {
    id: ctx.state.nextId(),
    number: repo.nextNumber++,
    title: input.title,
    body: input.body ?? null,
    head,
    base: input.base,
    state: 'open',
    draft: input.draft ?? false,
    user: actor(ctx.identity),
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    mergedAt: null,
    mergeCommitSha: null,
    mergedBy: null,
    labels: [],
    requestedReviewers: [],
    requestedTeams: [],
  };
  repo.pulls.push(pull);
  return { status: 201, body: await pullBody(ctx, repo, pull) };
};

const update: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const pull = pullOf(ctx, repo);
  const input = body<{ title?: string; body?: string; state?: 'open' | 'closed'; base?: string }>(
    ctx,
  );
  if (input.base !== undefined && !(await repo.git.refSha(`refs/heads/${input.base}`))) {
    throw unprocessable('Validation Failed', [
      { resource: 'PullRequest', field: 'base', code: 'invalid' },
    ]);
  }
  if (input.state === 'open' && pull.mergedAt)
    throw unprocessable('Cannot reopen a merged pull request');
  const now = isoNow();
  Object.assign(pull, {
    ...(input.title !== undefined ? { title: input.title } : {}),
    ...(input.body !== undefined ? { body: input.body } : {}),
    ...(input.base !== undefined ? { base: input.base } : {}),
    updatedAt: now,
  });
  if (input.state && input.state !== pull.state) {
    pull.state = input.state;
    pull.closedAt = input.state === 'closed' ? now : null;
  }
  return { status: 200, body: await pullBody(ctx, repo, pull) };
};

const merge: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const pull = pullOf(ctx, repo);
  const input = body<{
    commit_title?: string;
    commit_message?: string;
    sha?: string;
    merge_method?: string;
  }>(ctx);
  const method = (input.merge_method ?? 'merge') as MergeMethod;
  if (!MERGE_METHODS.includes(method))
    throw new HttpError(405, `Merge method ${method} is not allowed on this repository`);
  const sha = await mergePull(repo, pull, {
    method,
    by: actor(ctx.identity),
    ...(input.commit_title ? { title: input.commit_title } : {}),
    ...(input.commit_message ? { message: input.commit_message } : {}),
    ...(input.sha ? { expectedHead: input.sha } : {}),
  });
  return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
};

const requestReviewers: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const pull = pullOf(ctx, repo);
  const input = body<{ reviewers?: string[]; team_reviewers?: string[] }>(ctx);
  const add = (list: string[], more: string[] = []) => [...new Set([...list, ...more])];
  pull.requestedReviewers = add(pull.requestedReviewers, input.reviewers);
  pull.requestedTeams = add(pull.requestedTeams, input.team_reviewers);
  return { status: 201, body: await pullBody(ctx, repo, pull) };
};

const createComment: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const pull = pullOf(ctx, repo);
  const now = isoNow();
  const comment = {
    id: ctx.state.nextId(),
    issueNumber: pull.number,
    body: body<{ body: string }>(ctx).body,
    user: actor(ctx.identity),
    createdAt: now,
    updatedAt: now,
  };
  repo.comments.push(comment);
  return { status: 201, body: commentJson(ctx.base, repo, comment) };
};

const listComments: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const pull = pullOf(ctx, repo);
  const comments = repo.comments.filter((c) => c.issueNumber === pull.number);
  return page(
    ctx,
    `/repos/${repo.owner.login}/${repo.name}/issues/${pull.number}/comments`,
    comments.map((c) => commentJson(ctx.base, repo, c)),
  );
};

/** add-labels takes names or `{ name }` objects, bare or under `labels`. */
function labelNames(input: unknown): string[] {
  const list = Array.isArray(input)
    ? input
    : typeof input === 'string'
      ? [input]
      : ((input as { labels?: unknown[] }).labels ?? []);
  return list.map((l) => (typeof l === 'string' ? l : String((l as { name: string }).name)));
}

const addLabels: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const pull = pullOf(ctx, repo);
  for (const name of labelNames(ctx.body)) {
    if (!repo.labels.some((l) => l.name === name))
      repo.labels.push({ id: ctx.state.nextId(), name, color: 'ededed' });
    if (!pull.labels.includes(name)) pull.labels.push(name);
  }
  const labels = repo.labels.filter((l) => pull.labels.includes(l.name));
  return { status: 200, body: labels.map((l) => labelJson(ctx.base, repo, l)) };
};

export const pullRoutes: Record<string, Route> = {
  'pulls/list': list,
  'pulls/get': get,
  'pulls/create': create,
  'pulls/update': update,
  'pulls/merge': merge,
  'pulls/request-reviewers': requestReviewers,
  'issues/create-comment': createComment,
  'issues/list-comments': listComments,
  'issues/add-labels': addLabels,
};
