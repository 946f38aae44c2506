import { body, notFound, page, repoOf, unprocessable, type Route } from './route-kit.js';
import { issueJson } from './shapes-issues.js';
import { actor, isoNow, type IssueState, type RepoState } from './state.js';

/** Issues that are not pull requests: list (pull requests included, as GitHub does), create, update. */

function labelled(repo: RepoState, names: string[], nextId: () => number): string[] {
  for (const name of names) {
    if (!repo.labels.some((l) => l.name === name))
      repo.labels.push({ id: nextId(), name, color: 'ededed' });
  }
  return [...new Set(names)];
}

/** Label names from strings or `{ name }` objects, as create and update accept them. */
function labelNames(list: unknown[] | undefined): string[] | undefined {
  return list?.map((l) => (typeof l === 'string' ? l : String((l as { name?: string }).name)));
}

const list: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const state = ctx.query.get('state') ?? 'open';
  const labels = (ctx.query.get('labels') ?? '').split(',').filter((l) => l !== '');
  const all = [...repo.issues, ...repo.pulls].filter(
    (i) =>
      (state === 'all' || i.state === state) && labels.every((name) => i.labels.includes(name)),
  );
  // GitHub's default: newest first (sort=created, direction=desc).
  const asc = ctx.query.get('direction') === 'asc';
  all.sort((a, b) => (asc ? a.number - b.number : b.number - a.number));
  return page(
    ctx,
    `/repos/${repo.owner.login}/${repo.name}/issues`,
    all.map((i) => issueJson(ctx.base, repo, i)),
  );
};

const create: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const input = body<{ title: string | number; body?: string; labels?: unknown[] }>(ctx);
  if (input.title === '' || input.title === undefined) {
    throw unprocessable('Validation Failed', [
      { resource: 'Issue', field: 'title', code: 'missing_field' },
    ]);
  }
  const now = isoNow();
  const issue: IssueState = {
    id: ctx.state.nextId(),
    number: repo.nextNumber++,
    title: String(input.title),
    body: input.body ?? null,
    state: 'open',
    labels: labelled(repo, labelNames(input.labels) ?? [], ctx.state.nextId),
    user: actor(ctx.identity),
    createdAt: now,
    updatedAt: now,
    closedAt: null,
  };
  repo.issues.push(issue);
  return { status: 201, body: issueJson(ctx.base, repo, issue) };
};

const update: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const number = Number(ctx.params.issue_number);
  const issue = repo.issues.find((i) => i.number === number);
  // Pull requests are edited through the pulls routes here.
  if (!issue) throw notFound();
  const input = body<{
    title?: string | number | null;
    body?: string | null;
    state?: 'open' | 'closed';
    labels?: unknown[];
  }>(ctx);
  const now = isoNow();
  if (input.title !== undefined && input.title !== null) issue.title = String(input.title);
  if (input.body !== undefined) issue.body = input.body;
  const names = labelNames(input.labels);
  if (names) issue.labels = labelled(repo, names, ctx.state.nextId);
  if (input.state && input.state !== issue.state) {
    issue.state = input.state;
    issue.closedAt = input.state === 'closed' ? now : null;
  }
  issue.updatedAt = now;
  return { status: 200, body: issueJson(ctx.base, repo, issue) };
};

export const issueRoutes: Record<string, Route> = {
  'issues/list-for-repo': list,
  'issues/create': create,
  'issues/update': update,
};
