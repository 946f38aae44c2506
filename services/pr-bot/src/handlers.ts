import { UP_TO_DATE, branchName } from '@restack/campaign';
import { errorMessage, isRestackError, type Logger } from '@restack/core';
import { createEvent, stableEventId, type EventOf, type RestackEvent } from '@restack/events';
import type { BranchHead, CommitIdentity, GitHubPort, PullRequest, RepoRef } from '@restack/github';
import { bumpsOf, commitMessage, prBody, prTitle } from './body.js';
import { branchHas, plannedChange } from './change.js';
import { rememberCommit, type BranchRecord, type BranchStore } from './state.js';

export interface PrBotSettings {
  branchPrefix: string;
  labels: string[];
  reviewers: string[];
  teamReviewers: string[];
  draft: boolean;
  commitMessage: string;
  author?: CommitIdentity;
}

export interface PrBotPorts {
  github: GitHubPort;
  branches: BranchStore;
  publish(event: RestackEvent): Promise<unknown>;
  log: Logger;
  settings: PrBotSettings;
}

/** Failures worth another delivery (the bus naks with backoff); the rest are reported as pr.failed. */
const RETRYABLE = new Set([
  'github.server-error',
  'github.unreachable',
  'github.rate-limited',
  'github.conflict',
  'github.not-fast-forward',
  'github.branch-exists',
  'KV_CONFLICT',
]);

export function repoRef(repository: string): RepoRef {
  const [owner = '', repo = ''] = repository.split('/');
  return { owner, repo };
}

async function branchHead(
  github: GitHubPort,
  repo: RepoRef,
  branch: string,
): Promise<BranchHead | undefined> {
  try {
    return await github.getBranchHead(repo, branch);
  } catch (e) {
    if (isRestackError(e) && e.code === 'github.not-found') return undefined;
    throw e;
  }
}

type Requested = EventOf<'restack.pr.requested'>;

/**
 * One branch and one PR per repository and bumped reference: a repeated or
 * redelivered request updates them; a branch someone else pushed to gets a
 * comment instead of a force-push.
 */
export async function onPrRequested(event: Requested, ports: PrBotPorts): Promise<void> {
  const r = event.data;
  try {
    await handleRequest(event, ports);
  } catch (e) {
    if (isRestackError(e) && RETRYABLE.has(e.code)) throw e;
    if (!isRestackError(e)) throw e;
    ports.log.warn({ code: e.code, err: errorMessage(e) }, 'pull request failed');
    await ports.publish(
      createEvent(
        'restack.pr.failed',
        {
          campaignId: r.campaignId,
          targetId: r.targetId,
          repository: r.repository,
          failure: {
            message: errorMessage(e).slice(0, 4000),
            code: e.code.slice(0, 100),
            retryable: false,
          },
        },
        { id: stableEventId('restack.pr.failed', event.id), causedBy: event },
      ),
    );
  }
}

async function handleRequest(event: Requested, ports: PrBotPorts): Promise<void> {
  const { github, settings, branches } = ports;
  const r = event.data;
  const repo = repoRef(r.repository);
  const baseBranch = r.baseBranch ?? (await github.getRepository(repo)).defaultBranch;
  const branch = branchName(settings.branchPrefix, bumpsOf(r)[0]!.ref);
  const base = await github.getBranchHead(repo, baseBranch);
  const { changes, skipped } = await plannedChange(github, repo, base.sha, r);
  if (skipped.length > 0) ports.log.warn({ skipped }, 'references restack could not bump');
  const existing = await github.findOpenPullRequest(repo, branch);
  // What the last run left, before this one rewrites it (see orphanPullRequest).
  const before = existing ? null : await branches.get(r.repository, branch);
  const record = await branches.mutate(r.repository, branch, (cur) => ({
    repository: r.repository,
    branch,
    baseBranch,
    commits: cur?.commits ?? [],
    ...(cur?.number !== undefined && cur.outcome === undefined
      ? { number: cur.number, url: cur.url }
      : {}),
    ...(cur?.humanHead ? { humanHead: cur.humanHead } : {}),
    campaignId: r.campaignId,
    targetIds: r.targetIds ?? [r.targetId],
    images: r.context?.images ?? [],
    scanned: cur?.outcome === undefined ? (cur?.scanned ?? []) : [],
  }));

  // A run killed after opening the PR and before recording it, the PR merged or closed since:
  // report that PR (found by restack's own head commit) rather than "already up to date".
  const orphan = existing ? undefined : await orphanPullRequest(github, repo, branch, before);
  if (orphan) return reportOrphan(event, ports, branch, orphan);
  if (changes.length === 0) return upToDate(event, ports, repo, existing);

  const head = await branchHead(github, repo, branch);
  if (head && !record!.commits.includes(head.sha))
    return humanPushed(event, ports, repo, branch, head, existing);

  const mine = head && (await branchHas(github, repo, head.sha, changes));
  if (!mine) {
    const commit = await github.createCommit(repo, {
      parentSha: base.sha,
      message: commitMessage(settings.commitMessage, r),
      changes,
      ...(settings.author ? { author: settings.author } : {}),
    });
    // Remember the commit before the branch points at it, so a crash in between never reads as a human push.
    await branches.mutate(r.repository, branch, (cur) =>
      cur ? rememberCommit(cur, commit.sha) : undefined,
    );
    // Our own branch: replacing our commit with one on the current base head is what we were told to do.
    if (head) await github.updateBranch(repo, branch, commit.sha, { force: true });
    else await github.createBranch(repo, branch, commit.sha);
  }

  const title = prTitle(r);
  const body = prBody(r);
  let pr: PullRequest;
  if (existing) {
    pr =
      existing.title === title && existing.body === body
        ? existing
        : await github.updatePullRequest(repo, existing.number, { title, body });
  } else {
    pr = await github.openPullRequest(repo, {
      head: branch,
      base: baseBranch,
      title,
      body,
      draft: settings.draft,
    });
    if (settings.labels.length > 0) await github.addLabels(repo, pr.number, settings.labels);
    if (settings.reviewers.length + settings.teamReviewers.length > 0) {
      await github.requestReviewers(repo, pr.number, {
        users: settings.reviewers,
        teams: settings.teamReviewers,
      });
    }
  }
  await branches.mutate(r.repository, branch, (cur) =>
    cur ? { ...cur, number: pr.number, url: pr.htmlUrl, outcome: undefined } : undefined,
  );
  ports.log.info(
    { repository: r.repository, branch, number: pr.number },
    'rebuild pull request ready',
  );
  await announceOpened(event, ports, branch, pr);
}

async function orphanPullRequest(
  github: GitHubPort,
  repo: RepoRef,
  branch: string,
  before: BranchRecord | null,
): Promise<PullRequest | undefined> {
  // Only when the last run left our newest commit unreported: no PR number, no outcome.
  const newest = before?.commits.at(-1);
  if (!before || newest === undefined || before.number !== undefined || before.outcome) {
    return undefined;
  }
  const pulls = await github.findPullRequests(repo, branch);
  return pulls.find((pr) => pr.state === 'closed' && pr.head.sha === newest);
}

async function reportOrphan(event: Requested, ports: PrBotPorts, branch: string, pr: PullRequest) {
  const r = event.data;
  // Recorded with no outcome, so the merge poll reports the merge or close as pr.updated.
  await ports.branches.mutate(r.repository, branch, (cur) =>
    cur ? { ...cur, number: pr.number, url: pr.htmlUrl, outcome: undefined } : undefined,
  );
  ports.log.info(
    { repository: r.repository, branch, number: pr.number },
    'found the PR a crash left unreported',
  );
  await announceOpened(event, ports, branch, pr);
}

/** Nothing left to bump at the base head: the trigger is irrelevant here; close an open PR with a comment. */
async function upToDate(
  event: Requested,
  ports: PrBotPorts,
  repo: RepoRef,
  existing: PullRequest | undefined,
) {
  const r = event.data;
  const b = bumpsOf(r)[0]!;
  const message = `${r.repository} already uses ${b.ref}@${b.digest} on its base branch`;
  if (existing) {
    // Recorded first, so the merge poll never reads restack's own close as a rejection.
    await ports.branches.mutate(r.repository, existing.head.branch, (cur) =>
      cur ? { ...cur, number: existing.number, outcome: 'closed' } : undefined,
    );
    await ports.github.comment(
      repo,
      existing.number,
      `restack closes this pull request: ${message}; nothing left to change.`,
    );
    await ports.github.closePullRequest(repo, existing.number);
  }
  await ports.publish(
    createEvent(
      'restack.pr.failed',
      {
        campaignId: r.campaignId,
        targetId: r.targetId,
        repository: r.repository,
        failure: { message, code: UP_TO_DATE, retryable: false },
      },
      { id: stableEventId('restack.pr.up-to-date', event.id), causedBy: event },
    ),
  );
}

async function humanPushed(
  event: Requested,
  ports: PrBotPorts,
  repo: RepoRef,
  branch: string,
  head: BranchHead,
  existing: PullRequest | undefined,
) {
  const r = event.data;
  const b = bumpsOf(r)[0]!;
  ports.log.warn(
    { repository: r.repository, branch },
    'branch has commits restack did not make; not pushing',
  );
  const record = await ports.branches.get(r.repository, branch);
  if (existing && record?.humanHead !== head.sha) {
    await ports.github.comment(
      repo,
      existing.number,
      `restack did not update \`${branch}\`: it has commits restack did not make, and restack never force-pushes over them. ` +
        `The new base is \`${b.ref}@${b.digest}\`; update the branch yourself, or delete it and restack opens a fresh one.`,
    );
    await ports.branches.mutate(r.repository, branch, (cur) =>
      cur ? { ...cur, humanHead: head.sha } : undefined,
    );
  }
  if (existing) {
    await ports.publish(
      createEvent(
        'restack.pr.updated',
        {
          campaignId: r.campaignId,
          targetId: r.targetId,
          repository: r.repository,
          number: existing.number,
          url: existing.htmlUrl,
          state: 'open',
          reason: 'human-push',
        },
        { id: stableEventId('restack.pr.human-push', event.id), causedBy: event },
      ),
    );
  }
}

export type { BranchRecord };

/** restack.pr.opened for the request, under an id derived from it (a redelivery sends the same). */
async function announceOpened(
  event: Requested,
  ports: PrBotPorts,
  branch: string,
  pr: Pick<PullRequest, 'number' | 'htmlUrl'>,
): Promise<void> {
  const r = event.data;
  await ports.publish(
    createEvent(
      'restack.pr.opened',
      {
        campaignId: r.campaignId,
        targetId: r.targetId,
        repository: r.repository,
        number: pr.number,
        url: pr.htmlUrl,
        branch,
      },
      { id: stableEventId('restack.pr.opened', event.id), causedBy: event },
    ),
  );
}
