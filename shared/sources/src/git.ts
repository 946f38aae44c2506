import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { gitEnv, git, type GitCredentials } from './git-cli.js';
import { isIndexedPath } from './files.js';
import { readIfPresent, relativeId, walkIndexed } from './local.js';
import type { Source, SourceChange, SourceListing, SourceProblem, SourceState } from './types.js';

export interface GitSourceOptions {
  url: string;
  ref?: string;
  name: string;
  credentials?: GitCredentials;
  /** Clones live under it, one folder per URL. */
  cacheDir: string;
  env?: NodeJS.ProcessEnv;
}

/** `name` for a clone URL: its last path segment without `.git`. */
export function defaultGitName(url: string): string {
  const last = url.replace(/\/+$/, '').split(/[/:]/).pop() ?? 'repo';
  return last.replace(/\.git$/, '').replace(/[^\w.-]/g, '-') || 'repo';
}

/** `owner/name` from a clone URL's last two segments, for campaign targets. */
export function repositoryOfUrl(url: string, name: string): string {
  const parts = url
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .split(/[/:]/)
    .filter(Boolean);
  const owner = (parts[parts.length - 2] ?? 'git').replace(/[^\w.-]/g, '-');
  return `${owner}/${name}`;
}

/**
 * A git remote, cloned shallowly into the cache and fetched on update; the
 * files that changed come from `git diff --name-only old new`.
 */
export function gitSource(options: GitSourceOptions): Source {
  const key = createHash('sha256').update(options.url).digest('hex').slice(0, 12);
  const dir = path.join(options.cacheDir, `${options.name}-${key}`);
  const prefix = `${options.name}/`;
  const repository = repositoryOfUrl(options.url, options.name);
  let head: string | undefined;

  async function run(args: string[]): Promise<string> {
    const env = await gitEnv({
      helperDir: path.join(options.cacheDir, '.helpers'),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
    return git(args, { cwd: dir, env });
  }

  /** Fetches the ref (depth 1) and checks it out; returns the new commit. */
  async function fetchHead(): Promise<string> {
    if (!existsSync(path.join(dir, '.git'))) {
      await mkdir(dir, { recursive: true });
      await run(['init', '--quiet']);
      await run(['remote', 'add', 'origin', options.url]);
    }
    await run(['fetch', '--quiet', '--depth', '1', '--no-tags', 'origin', options.ref ?? 'HEAD']);
    const sha = (await run(['rev-parse', 'FETCH_HEAD'])).trim();
    await run(['checkout', '--quiet', '--force', '--detach', sha]);
    return sha;
  }

  const owns = (id: string) => id.startsWith(prefix);
  return {
    kind: 'git',
    name: options.name,
    async list(): Promise<SourceListing> {
      const problems: SourceProblem[] = [];
      try {
        head = await fetchHead();
      } catch (e) {
        problems.push({ file: options.name, message: (e as Error).message });
        return { ids: [], problems };
      }
      const files = await walkIndexed(dir, problems, options.name);
      return { ids: files.map((f) => prefix + relativeId(dir, f)), problems };
    },
    read: async (id) =>
      owns(id) ? readIfPresent(path.join(dir, id.slice(prefix.length))) : undefined,
    owns,
    locate: (id) => (owns(id) ? { repository, path: id.slice(prefix.length) } : undefined),
    async update(): Promise<SourceChange | null> {
      const before = head;
      const after = await fetchHead();
      head = after;
      if (before === undefined) return null;
      if (before === after) return { repository, ids: [] };
      const names = await run(['diff', '--name-only', '--no-renames', '-z', before, after]);
      const ids = names
        .split('\0')
        .filter((p) => p && isIndexedPath(p))
        .map((p) => prefix + p);
      return { repository, ids };
    },
    applyPush: async () => undefined,
    state: (): SourceState => (head ? { head } : {}),
    restore(state) {
      // The clone may be gone after a restart: the next update re-fetches and
      // diffs against the commit the snapshot was taken at, if it can.
      if (state.head && existsSync(path.join(dir, '.git'))) head = state.head;
    },
  };
}
