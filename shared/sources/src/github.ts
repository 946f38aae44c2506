import type { GitHubPort, RepoRef, Repository } from '@restack/github';
import { isIndexedPath } from './files.js';
import type {
  Location,
  PushChange,
  Source,
  SourceChange,
  SourceListing,
  SourceProblem,
  SourceState,
} from './types.js';

export interface GitHubSourceOptions {
  github: GitHubPort;
  /** Every repository of this account, or the `repositories` list. */
  org?: string;
  repositories?: string[];
  name: string;
  includeArchived?: boolean;
  includeForks?: boolean;
  topics?: string[];
  nameGlob?: string;
  /** Files read at once. Default 8. */
  concurrency?: number;
}

interface RepoState {
  ref: RepoRef;
  /** `<name>/<repo>/` or `<name>/<owner>/<repo>/` */
  prefix: string;
  branch: string;
  sha: string;
}

/**
 * Repositories on GitHub, read through GitHubPort without cloning: one tree
 * listing per repository at its default branch head, then the contents of the
 * files the graph reads. Rate limits are the client's business (it waits).
 */
export function githubSource(options: GitHubSourceOptions): Source {
  const gh = options.github;
  const repos = new Map<string, RepoState>(); // by owner/name
  const prefixOf = (r: RepoRef) =>
    options.org !== undefined
      ? `${options.name}/${r.repo}/`
      : `${options.name}/${r.owner}/${r.repo}/`;
  const find = (id: string) => {
    for (const r of repos.values()) if (id.startsWith(r.prefix)) return r;
    return undefined;
  };

  async function repositories(): Promise<RepoRef[]> {
    if (options.org !== undefined) {
      const list: Repository[] = await gh.listRepositories(options.org, {
        includeArchived: options.includeArchived ?? false,
        includeForks: options.includeForks ?? false,
        ...(options.topics?.length ? { topics: options.topics } : {}),
        ...(options.nameGlob ? { name: options.nameGlob } : {}),
      });
      return list.map((r) => ({ owner: r.owner, repo: r.repo }));
    }
    return (options.repositories ?? []).map((full) => {
      const [owner = '', repo = ''] = full.split('/');
      return { owner, repo };
    });
  }

  async function listRepo(ref: RepoRef, problems: SourceProblem[]): Promise<string[]> {
    const head = await gh.getBranchHead(ref);
    const tree = await gh.getTree(ref, head.sha);
    const state: RepoState = { ref, prefix: prefixOf(ref), branch: head.branch, sha: head.sha };
    repos.set(`${ref.owner}/${ref.repo}`, state);
    if (tree.truncated) {
      problems.push({
        file: state.prefix.slice(0, -1),
        message: 'GitHub truncated the tree listing; some files were not indexed',
      });
    }
    return tree.entries
      .filter((e) => e.type === 'blob' && isIndexedPath(e.path))
      .map((e) => state.prefix + e.path);
  }

  return {
    kind: 'github',
    name: options.name,
    async list(): Promise<SourceListing> {
      const problems: SourceProblem[] = [];
      const ids: string[] = [];
      let refs: RepoRef[];
      try {
        refs = await repositories();
      } catch (e) {
        return { ids, problems: [{ file: options.name, message: (e as Error).message }] };
      }
      repos.clear();
      await inBatches(refs, options.concurrency ?? 8, async (ref) => {
        try {
          ids.push(...(await listRepo(ref, problems)));
        } catch (e) {
          problems.push({ file: prefixOf(ref).slice(0, -1), message: (e as Error).message });
        }
      });
      return { ids: ids.sort(), problems };
    },
    async read(id) {
      const r = find(id);
      if (!r) return undefined;
      const file = await gh.readFile(r.ref, id.slice(r.prefix.length), r.sha);
      return file ? Buffer.from(file.content).toString('utf8') : undefined;
    },
    owns: (id) => id.startsWith(`${options.name}/`),
    locate(id): Location | undefined {
      const r = find(id);
      return r
        ? { repository: `${r.ref.owner}/${r.ref.repo}`, path: id.slice(r.prefix.length) }
        : undefined;
    },
    update: async () => null,
    async applyPush(push: PushChange): Promise<SourceChange | undefined> {
      const r = repos.get(push.repository);
      if (!r || push.ref !== `refs/heads/${r.branch}`) return undefined;
      r.sha = push.after;
      if (push.paths !== null) {
        return {
          repository: push.repository,
          ids: push.paths.filter(isIndexedPath).map((p) => r.prefix + p),
        };
      }
      // The payload cannot say which files changed: re-list this repository.
      const problems: SourceProblem[] = [];
      const ids = await listRepo(r.ref, problems);
      return { repository: push.repository, ids, prefix: r.prefix };
    },
    state(): SourceState {
      return Object.fromEntries(
        [...repos].map(([k, r]) => [k, `${r.branch}\n${r.sha}\n${r.prefix}`]),
      );
    },
    restore(state) {
      for (const [full, value] of Object.entries(state)) {
        const [branch = '', sha = '', prefix = ''] = value.split('\n');
        const [owner = '', repo = ''] = full.split('/');
        repos.set(full, { ref: { owner, repo }, branch, sha, prefix });
      }
    },
  };
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
