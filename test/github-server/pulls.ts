import { HttpError } from './route-kit.js';
import type { PullGitFacts } from './shapes-pulls.js';
import { isoNow, type Account, type PullState, type RepoState } from './state.js';

/**
 * Pull request behaviour shared by the REST routes and the control API:
 * git facts for the JSON, and merging, which writes a real commit.
 */

export const MERGE_METHODS = ['merge', 'squash'] as const;
export type MergeMethod = (typeof MERGE_METHODS)[number];

/** GitHub keeps `refs/pull/N/head` at the head branch while the PR is open. */
export async function headSha(repo: RepoState, pull: PullState): Promise<string> {
  const pullRef = `refs/pull/${pull.number}/head`;
  const branch =
    pull.state === 'open' ? await repo.git.refSha(`refs/heads/${pull.head}`) : undefined;
  const kept = await repo.git.refSha(pullRef);
  if (branch && branch !== kept) await repo.git.updateRef(pullRef, branch, kept);
  return branch ?? kept ?? '';
}

export async function pullFacts(repo: RepoState, pull: PullState): Promise<PullGitFacts> {
  const head = await headSha(repo, pull);
  const baseSha = (await repo.git.refSha(`refs/heads/${pull.base}`)) ?? '';
  const mergeBase = head && baseSha ? await repo.git.mergeBase(baseSha, head) : undefined;
  const stat = mergeBase
    ? await repo.git.diffStat(mergeBase, head)
    : { additions: 0, deletions: 0, files: 0 };
  const open = pull.state === 'open' && head && baseSha;
  return {
    headSha: head,
    baseSha,
    mergeable: open ? (await repo.git.mergeTree(baseSha, head)) !== undefined : null,
    commits: mergeBase ? await repo.git.countCommits(`${mergeBase}..${head}`) : 0,
    additions: stat.additions,
    deletions: stat.deletions,
    changedFiles: stat.files,
  };
}

export interface MergeOptions {
  method: MergeMethod;
  by: Account;
  title?: string;
  message?: string;
  /** Refuse when the head moved past this commit (the `sha` of the merge API). */
  expectedHead?: string;
}

/** Merge as GitHub does: a merge or squash commit on the base branch. */
export async function mergePull(
  repo: RepoState,
  pull: PullState,
  options: MergeOptions,
): Promise<string> {
  if (pull.state !== 'open') throw new HttpError(405, 'Pull Request is not mergeable');
  const head = await headSha(repo, pull);
  if (options.expectedHead && options.expectedHead !== head) {
    throw new HttpError(409, 'Head branch was modified. Review and try the merge again.');
  }
  const baseRef = `refs/heads/${pull.base}`;
  const baseSha = await repo.git.refSha(baseRef);
  if (!baseSha || !head) throw new HttpError(405, 'Pull Request is not mergeable');
  const tree = await repo.git.mergeTree(baseSha, head);
  if (!tree) throw new HttpError(405, 'Pull Request is not mergeable');
  const defaultTitle =
    options.method === 'squash'
      ? `${pull.title} (#${pull.number})`
      : `Merge pull request #${pull.number} from ${repo.owner.login}/${pull.head}`;
  const message = [
    options.title ?? defaultTitle,
    options.message ?? (options.method === 'merge' ? pull.title : ''),
  ]
    .filter(Boolean)
    .join('\n\n');
  const who = {
    name: options.by.login,
    email: `${options.by.id}+${options.by.login}@users.noreply.github.com`,
  };
  const parents = options.method === 'squash' ? [baseSha] : [baseSha, head];
  const sha = await repo.git.commitTree(tree, parents, message, who);
  if (!(await repo.git.updateRef(baseRef, sha, baseSha))) {
    throw new HttpError(409, 'Base branch was modified. Review and try the merge again.');
  }
  const now = isoNow();
  Object.assign(pull, {
    state: 'closed',
    mergedAt: now,
    closedAt: now,
    updatedAt: now,
    mergeCommitSha: sha,
    mergedBy: options.by,
  });
  repo.pushedAt = now;
  return sha;
}
