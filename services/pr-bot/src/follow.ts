import { imageName } from '@restack/campaign';
import { errorMessage } from '@restack/core';
import { createEvent, stableEventId, type EventOf } from '@restack/events';
import { scanSection, withScan } from './body.js';
import { repoRef, type PrBotPorts } from './handlers.js';

/** The commit status the scan after the merge sets on the merge commit. */
export const STATUS_CONTEXT = 'restack/base';

/**
 * Polls the PRs restack has open: a merge or a close becomes pr.updated (its
 * id derives from repository, PR and outcome, so a second poll is a no-op).
 */
export async function pollPullRequests(ports: PrBotPorts): Promise<void> {
  for (const record of await ports.branches.list()) {
    if (record.number === undefined || record.outcome !== undefined) continue;
    const repo = repoRef(record.repository);
    let pr;
    try {
      pr = await ports.github.getPullRequest(repo, record.number);
    } catch (e) {
      ports.log.warn(
        { repository: record.repository, number: record.number, err: errorMessage(e) },
        'cannot read PR',
      );
      continue;
    }
    if (pr.state === 'open') continue;
    const state = pr.merged ? 'merged' : 'closed';
    await ports.publish(
      createEvent(
        'restack.pr.updated',
        {
          campaignId: record.campaignId,
          targetId: record.targetIds[0]!,
          repository: record.repository,
          number: pr.number,
          url: pr.htmlUrl,
          state,
        },
        { id: stableEventId('restack.pr.updated', record.repository, String(pr.number), state) },
      ),
    );
    await ports.branches.mutate(record.repository, record.branch, (cur) =>
      cur && cur.number === pr.number
        ? {
            ...cur,
            outcome: state,
            ...(pr.mergeCommitSha ? { mergeCommitSha: pr.mergeCommitSha } : {}),
          }
        : undefined,
    );
    ports.log.info(
      { repository: record.repository, number: pr.number, state },
      'pull request finished',
    );
  }
}

/**
 * The rescan of a rebuilt image: its PR body gets the vulnerability summary,
 * and once merged, the merge commit gets a status saying whether the new
 * base is in the image.
 */
export async function onScanCompleted(
  event: EventOf<'restack.scan.completed'>,
  ports: PrBotPorts,
): Promise<void> {
  const scan = event.data;
  const name = imageName(scan.image);
  for (const record of await ports.branches.list()) {
    if (record.number === undefined || !record.images.some((i) => imageName(i) === name)) continue;
    if (scan.campaignId !== undefined && scan.campaignId !== record.campaignId) continue;
    const seen = `${scan.image}@${scan.digest}`;
    if (record.scanned.includes(seen)) continue;
    const repo = repoRef(record.repository);
    const pr = await ports.github.getPullRequest(repo, record.number);
    await ports.github.updatePullRequest(repo, pr.number, {
      body: withScan(pr.body, scanSection(scan)),
    });
    const sha = pr.mergeCommitSha ?? record.mergeCommitSha ?? pr.head.sha;
    await ports.github.setCommitStatus(repo, sha, {
      state: scan.baseVerified ? 'success' : 'failure',
      context: STATUS_CONTEXT,
      description: scan.baseVerified
        ? `new base is in ${name}@${scan.digest.slice(0, 19)}`
        : `new base NOT found in ${name}@${scan.digest.slice(0, 19)}`,
    });
    await ports.branches.mutate(record.repository, record.branch, (cur) =>
      cur ? { ...cur, scanned: [...cur.scanned, seen].slice(-20) } : undefined,
    );
  }
}

/** workflow_dispatch or repository_dispatch. At least once: a crash after the call dispatches again. */
export async function onDispatchRequested(
  event: EventOf<'restack.dispatch.requested'>,
  ports: PrBotPorts,
): Promise<void> {
  const d = event.data;
  const repo = repoRef(d.repository);
  if (d.kind === 'repository') {
    await ports.github.dispatchRepository(repo, {
      eventType: d.workflow,
      payload: { ...d.inputs, campaign: d.campaignId, target: d.targetId },
    });
  } else {
    await ports.github.dispatchWorkflow(repo, {
      workflow: d.workflow,
      ref: d.ref,
      inputs: d.inputs,
    });
  }
  ports.log.info(
    { repository: d.repository, workflow: d.workflow, kind: d.kind ?? 'workflow' },
    'dispatched',
  );
}
