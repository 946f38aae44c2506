import { encodeKvKey, type BucketSpec, type TypedKv } from '@restack/bus';
import { z } from 'zod';

/**
 * What pr-bot remembers per repository and branch. Above all the commits it
 * made: a branch head that is not one of them was pushed by a person, and
 * restack never force-pushes over it.
 */
export const PR_BOT_BUCKET: BucketSpec = {
  name: 'restack-pr-bot',
  history: 5,
  description: 'rebuild branches, their PRs and the commits restack made (pr-bot)',
};

export const branchRecordSchema = z.object({
  repository: z.string().min(1),
  branch: z.string().min(1),
  baseBranch: z.string().min(1),
  /** Commits restack made on this branch, newest last (bounded). */
  commits: z.array(z.string()),
  number: z.int().optional(),
  url: z.string().optional(),
  /** The request this PR answers now. */
  campaignId: z.string(),
  targetIds: z.array(z.string()),
  images: z.array(z.string()).default([]),
  /** Pull request finished: merged (with its merge commit) or closed. */
  outcome: z.enum(['merged', 'closed']).optional(),
  mergeCommitSha: z.string().optional(),
  /** Head sha of a human push restack already commented on. */
  humanHead: z.string().optional(),
  /** The scan results already written into the body and the commit status. */
  scanned: z.array(z.string()).default([]),
});
export type BranchRecord = z.infer<typeof branchRecordSchema>;

export interface BranchStore {
  get(repository: string, branch: string): Promise<BranchRecord | null>;
  mutate(
    repository: string,
    branch: string,
    fn: (current: BranchRecord | null) => BranchRecord | undefined,
  ): Promise<BranchRecord | null>;
  list(): Promise<BranchRecord[]>;
}

const KEEP_COMMITS = 50;

export function rememberCommit(record: BranchRecord, sha: string): BranchRecord {
  if (record.commits.includes(sha)) return record;
  return { ...record, commits: [...record.commits, sha].slice(-KEEP_COMMITS) };
}

export function branchStore(kv: TypedKv<BranchRecord>): BranchStore {
  const key = (repository: string, branch: string) => encodeKvKey(`${repository}/${branch}`);
  return {
    async get(repository, branch) {
      return (await kv.get(key(repository, branch)))?.value ?? null;
    },
    async mutate(repository, branch, fn) {
      return (await kv.mutate(key(repository, branch), fn))?.value ?? null;
    },
    async list() {
      const out: BranchRecord[] = [];
      for (const k of await kv.keys()) {
        const r = await kv.get(k);
        if (r) out.push(r.value);
      }
      return out;
    },
  };
}
