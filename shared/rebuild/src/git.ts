import { spawn } from 'node:child_process';
import { RestackError } from '@restack/core';

/** Runs git with an argument array (never a shell) and returns stdout; null when git exits non-zero. */
export function gitOutput(cwd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', cwd, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        new RestackError('REBUILD_SOURCE_FAILED', `git could not run: ${e.message}`, {
          where: cwd,
          fix:
            e.code === 'ENOENT' ? 'install git (apt-get install git)' : 'check the folder and git',
        }),
      ),
    );
    child.on('close', (code) => resolve(code === 0 ? Buffer.concat(out).toString('utf8') : null));
  });
}

/** The top of the git work tree holding `folder`, or null when it is not in one. */
export async function gitTopLevel(folder: string): Promise<string | null> {
  const top = await gitOutput(folder, ['rev-parse', '--show-toplevel']);
  return top === null ? null : top.trim();
}

/** The full commit id a revision names (a branch, tag, `HEAD` or a commit), or null. */
export async function resolveCommit(repository: string, revision: string): Promise<string | null> {
  for (const candidate of [revision, `origin/${revision}`]) {
    const out = await gitOutput(repository, [
      'rev-parse',
      '--verify',
      '--quiet',
      `${candidate}^{commit}`,
    ]);
    if (out !== null) return out.trim();
  }
  return null;
}

/** A file's text at a commit, or null when the commit does not have it. */
export function gitShow(repository: string, commit: string, path: string): Promise<string | null> {
  return gitOutput(repository, ['show', `${commit}:${path}`]);
}

/** `remote.origin.url` without any user name or password in it, or null. */
export async function originUrl(repository: string): Promise<string | null> {
  const out = await gitOutput(repository, ['config', '--get', 'remote.origin.url']);
  if (out === null || out.trim() === '') return null;
  const url = out.trim();
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    // scp-like `git@host:org/repo.git` or a path: nothing secret in it.
    return url;
  }
}

/** Paths under `path` that differ from HEAD (uncommitted or untracked). */
export async function uncommitted(repository: string, path: string): Promise<string[]> {
  const out = await gitOutput(repository, [
    'status',
    '--porcelain',
    '--',
    path === '' ? '.' : path,
  ]);
  return (out ?? '').split('\n').filter((l) => l.trim() !== '');
}

/**
 * The id of the tree at `path` in `commit` (the whole tree for ''), or null
 * when it is not a folder there. Read with `cat-file -t`, since in
 * `<commit>:<path>^{tree}` git takes `^{tree}` as part of the path.
 */
export async function treeAt(
  repository: string,
  commit: string,
  path: string,
): Promise<string | null> {
  const id = await gitOutput(repository, ['rev-parse', '--verify', '--quiet', `${commit}:${path}`]);
  if (id === null) return null;
  const type = await gitOutput(repository, ['cat-file', '-t', id.trim()]);
  return type?.trim() === 'tree' ? id.trim() : null;
}
