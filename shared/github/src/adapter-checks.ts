import type { GitHubClient } from './client.js';
import { call } from './call.js';
import { parseResponse } from './errors.js';
import type { CheckRunFields, GitHubPort, RepoRef, WorkflowRun } from './port.js';
import { checkRunSchema, workflowRunSchema } from './schema.js';

type CheckPort = Pick<
  GitHubPort,
  | 'setCommitStatus'
  | 'createCheckRun'
  | 'updateCheckRun'
  | 'dispatchWorkflow'
  | 'dispatchRepository'
>;

export interface CheckAdapterOptions {
  /**
   * Ask workflow dispatches for the run they start. api.github.com and GHEC
   * know `return_run_details`; GHES refuses keys it does not know.
   */
  workflowRunDetails: boolean;
}

/** GitHub's check-run fields from ours; `output` needs both title and summary. */
function checkRunBody(fields: CheckRunFields) {
  const output =
    fields.title !== undefined || fields.summary !== undefined
      ? { output: { title: fields.title ?? '', summary: fields.summary ?? '' } }
      : {};
  return {
    ...(fields.status ? { status: fields.status } : {}),
    ...(fields.conclusion ? { conclusion: fields.conclusion } : {}),
    ...(fields.detailsUrl ? { details_url: fields.detailsUrl } : {}),
    ...(fields.externalId ? { external_id: fields.externalId } : {}),
    ...output,
  };
}

export function checkAdapter(client: GitHubClient, options: CheckAdapterOptions): CheckPort {
  const gh = (r: RepoRef) => client.forOwner(r.owner);
  const at = (r: RepoRef, path: string) => `${client.baseUrl}/repos/${r.owner}/${r.repo}${path}`;

  async function setCommitStatus(
    r: RepoRef,
    sha: string,
    status: Parameters<GitHubPort['setCommitStatus']>[2],
  ) {
    await call(at(r, `/statuses/${sha}`), () =>
      gh(r).rest.repos.createCommitStatus({
        ...r,
        sha,
        state: status.state,
        context: status.context,
        ...(status.description ? { description: status.description } : {}),
        ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
      }),
    );
  }

  async function createCheckRun(r: RepoRef, request: Parameters<GitHubPort['createCheckRun']>[1]) {
    const where = at(r, '/check-runs');
    const { data } = await call(where, () =>
      gh(r).rest.checks.create({
        ...r,
        name: request.name,
        head_sha: request.headSha,
        ...checkRunBody(request),
      }),
    );
    const run = parseResponse(checkRunSchema, data, where);
    return { id: run.id, htmlUrl: run.html_url ?? undefined };
  }

  async function updateCheckRun(r: RepoRef, id: number, fields: CheckRunFields) {
    const where = at(r, `/check-runs/${id}`);
    const { data } = await call(where, () =>
      gh(r).rest.checks.update({ ...r, check_run_id: id, ...checkRunBody(fields) }),
    );
    const run = parseResponse(checkRunSchema, data, where);
    return { id: run.id, htmlUrl: run.html_url ?? undefined };
  }

  async function dispatchWorkflow(
    r: RepoRef,
    dispatch: Parameters<GitHubPort['dispatchWorkflow']>[1],
  ): Promise<WorkflowRun> {
    const where = at(r, `/actions/workflows/${dispatch.workflow}/dispatches`);
    const response = await call(
      where,
      () =>
        gh(r).request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', {
          ...r,
          workflow_id: dispatch.workflow,
          ref: dispatch.ref,
          ...(dispatch.inputs ? { inputs: dispatch.inputs } : {}),
          ...(options.workflowRunDetails ? { return_run_details: true } : {}),
        }),
      [
        {
          status: 422,
          message: /workflow_dispatch/i,
          code: 'github.workflow-not-dispatchable',
          text: `workflow ${dispatch.workflow} has no workflow_dispatch trigger`,
          fix: 'add `on: workflow_dispatch` to the workflow, or use repository_dispatch',
        },
      ],
    );
    // Octokit's types predate the 200 answer GitHub now gives with run details.
    const status: number = response.status;
    if (status !== 200) return { runId: undefined, htmlUrl: undefined };
    const run = parseResponse(workflowRunSchema, response.data, where);
    return { runId: run.workflow_run_id, htmlUrl: run.html_url };
  }

  async function dispatchRepository(
    r: RepoRef,
    dispatch: Parameters<GitHubPort['dispatchRepository']>[1],
  ) {
    await call(at(r, '/dispatches'), () =>
      gh(r).rest.repos.createDispatchEvent({
        ...r,
        event_type: dispatch.eventType,
        ...(dispatch.payload ? { client_payload: dispatch.payload } : {}),
      }),
    );
  }

  return { setCommitStatus, createCheckRun, updateCheckRun, dispatchWorkflow, dispatchRepository };
}
