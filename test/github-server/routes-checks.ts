import {
  HttpError,
  body,
  notFound,
  repoOf,
  unprocessable,
  type Route,
  type RouteContext,
} from './route-kit.js';
import { checkRunJson, statusJson } from './shapes-pulls.js';
import { actor, isoNow, type CheckRunState, type RepoState } from './state.js';

/** Commit statuses, check runs and Actions dispatches (recorded for tests to read). */

async function requireCommit(repo: RepoState, sha: string): Promise<void> {
  if ((await repo.git.objectType(sha)) !== 'commit')
    throw unprocessable(`No commit found for SHA: ${sha}`);
}

const createStatus: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const sha = ctx.params.sha ?? '';
  await requireCommit(repo, sha);
  const input = body<{
    state: string;
    target_url?: string | null;
    description?: string | null;
    context?: string;
  }>(ctx);
  const status = {
    id: ctx.state.nextId(),
    sha,
    state: input.state,
    context: input.context ?? 'default',
    description: input.description ?? null,
    targetUrl: input.target_url ?? null,
    creator: actor(ctx.identity),
    createdAt: isoNow(),
  };
  repo.statuses.push(status);
  return { status: 201, body: statusJson(ctx.base, repo, status) };
};

interface CheckInput {
  name?: string;
  head_sha?: string;
  status?: string;
  conclusion?: string;
  details_url?: string;
  external_id?: string;
  output?: { title?: string; summary?: string };
}

function appOf(ctx: RouteContext): number {
  // https://docs.github.com/en/rest/checks/runs: only GitHub Apps may write check runs.
  if (ctx.identity.kind !== 'installation')
    throw new HttpError(403, 'You must authenticate via a GitHub App.');
  return ctx.state.installations.get(ctx.identity.installationId)?.appId ?? 0;
}

function applyCheck(run: CheckRunState, input: CheckInput): void {
  if (input.name !== undefined) run.name = input.name;
  if (input.details_url !== undefined) run.detailsUrl = input.details_url;
  if (input.external_id !== undefined) run.externalId = input.external_id;
  if (input.output) {
    run.title = input.output.title ?? run.title;
    run.summary = input.output.summary ?? run.summary;
  }
  if (input.status !== undefined) run.status = input.status;
  // A conclusion completes the run, as on GitHub.
  if (input.conclusion !== undefined) {
    run.conclusion = input.conclusion;
    run.status = 'completed';
  }
  if (run.status === 'completed' && run.completedAt === null) run.completedAt = isoNow();
}

const createCheck: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const appId = appOf(ctx);
  const input = body<CheckInput>(ctx);
  await requireCommit(repo, input.head_sha ?? '');
  const run: CheckRunState = {
    id: ctx.state.nextId(),
    headSha: input.head_sha ?? '',
    name: input.name ?? '',
    status: 'queued',
    conclusion: null,
    detailsUrl: null,
    externalId: null,
    title: null,
    summary: null,
    startedAt: isoNow(),
    completedAt: null,
    appId,
  };
  applyCheck(run, input);
  repo.checkRuns.push(run);
  return { status: 201, body: checkRunJson(ctx.base, repo, run, ctx.state.apps.get(appId)) };
};

const updateCheck: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const appId = appOf(ctx);
  const run = repo.checkRuns.find((c) => c.id === Number(ctx.params.check_run_id));
  if (!run || run.appId !== appId) throw notFound();
  applyCheck(run, body<CheckInput>(ctx));
  return { status: 200, body: checkRunJson(ctx.base, repo, run, ctx.state.apps.get(appId)) };
};

const workflowDispatch: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const input = body<{
    ref: string;
    inputs?: Record<string, unknown>;
    return_run_details?: boolean;
  }>(ctx);
  const workflow = ctx.params.workflow_id ?? '';
  const commit = await repo.git.resolve(input.ref, 'commit');
  if (!commit) throw unprocessable(`No ref found for: ${input.ref}`);
  // The workflow file must exist at that ref and declare the trigger.
  const file = (await repo.git.lsTree(commit, true)).find(
    (e) => e.path === `.github/workflows/${workflow}`,
  );
  if (!file) throw notFound();
  const text = (await repo.git.readBlob(file.sha)).toString('utf8');
  if (!/\bworkflow_dispatch\b/.test(text))
    throw unprocessable("Workflow does not have 'workflow_dispatch' trigger");
  const runId = ctx.state.nextId();
  repo.dispatches.push({
    kind: 'workflow_dispatch',
    target: workflow,
    ref: input.ref,
    inputs: input.inputs ?? {},
    runId,
    by: actor(ctx.identity).login,
  });
  if (!input.return_run_details) return { status: 204 };
  const api = `${ctx.base}/repos/${repo.owner.login}/${repo.name}`;
  return {
    status: 200,
    body: {
      workflow_run_id: runId,
      run_url: `${api}/actions/runs/${runId}`,
      html_url: `${ctx.base}/${repo.owner.login}/${repo.name}/actions/runs/${runId}`,
    },
  };
};

const repositoryDispatch: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const input = body<{ event_type: string; client_payload?: Record<string, unknown> }>(ctx);
  repo.dispatches.push({
    kind: 'repository_dispatch',
    target: input.event_type,
    payload: input.client_payload ?? {},
    by: actor(ctx.identity).login,
  });
  return { status: 204 };
};

export const checkRoutes: Record<string, Route> = {
  'repos/create-commit-status': createStatus,
  'checks/create': createCheck,
  'checks/update': updateCheck,
  'actions/create-workflow-dispatch': workflowDispatch,
  'repos/create-dispatch-event': repositoryDispatch,
};
