import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The git CLI over one bare repository. Arguments are always an array (no
 * shell), and the user's own git configuration is kept out.
 */

export interface GitIdentity {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  date?: number;
}

export interface LsTreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  size: number | undefined;
  path: string;
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: Required<GitIdentity>;
  committer: Required<GitIdentity>;
  message: string;
}

export interface TreeChange {
  path: string;
  mode: string;
  /** null deletes the path. */
  sha: string | null;
}

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} exited ${code}: ${stderr.trim()}`);
    this.name = 'GitError';
  }
}

const ZERO_SHA = '0'.repeat(40);

export class Git {
  constructor(readonly gitDir: string) {}

  static async initBare(gitDir: string, defaultBranch: string): Promise<Git> {
    await run(['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, gitDir], {});
    return new Git(gitDir);
  }

  /** stdout as a Buffer; `okCodes` lists exit codes that are answers, not failures. */
  async raw(args: string[], options: RunOptions = {}): Promise<RunResult> {
    return run(args, { ...options, env: { GIT_DIR: this.gitDir, ...options.env } });
  }

  async text(args: string[], options: RunOptions = {}): Promise<string> {
    return (await this.raw(args, options)).stdout.toString('utf8').trim();
  }

  async writeBlob(content: Uint8Array): Promise<string> {
    return this.text(['hash-object', '-w', '--stdin'], { input: content });
  }

  async readBlob(sha: string): Promise<Buffer> {
    return (await this.raw(['cat-file', 'blob', sha])).stdout;
  }

  async objectType(sha: string): Promise<string | undefined> {
    // Only object names reach git here, never something it could read as an option.
    if (!/^[0-9a-f]{4,64}$/.test(sha)) return undefined;
    const result = await this.raw(['cat-file', '-t', sha], { okCodes: [128] });
    return result.code === 0 ? result.stdout.toString().trim() : undefined;
  }

  /** The object a revision names, peeled to `kind`; undefined when there is none. */
  async resolve(rev: string, kind: 'commit' | 'tree'): Promise<string | undefined> {
    const result = await this.raw(
      ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{${kind}}`],
      {
        okCodes: [1, 128],
      },
    );
    return result.code === 0 ? result.stdout.toString().trim() : undefined;
  }

  async refSha(ref: string): Promise<string | undefined> {
    const result = await this.raw(['rev-parse', '--verify', '--quiet', ref], { okCodes: [1] });
    return result.code === 0 ? result.stdout.toString().trim() : undefined;
  }

  async listRefs(prefix: string): Promise<{ ref: string; sha: string }[]> {
    const out = await this.text(['for-each-ref', '--format=%(refname) %(objectname)', prefix]);
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [ref = '', sha = ''] = line.split(' ');
        return { ref, sha };
      });
  }

  /** Move `ref` to `sha` if it is still at `expected` (undefined: must not exist). */
  async updateRef(ref: string, sha: string, expected: string | undefined): Promise<boolean> {
    const result = await this.raw(['update-ref', ref, sha, expected ?? ZERO_SHA], {
      okCodes: [1, 128],
    });
    return result.code === 0;
  }

  async deleteRef(ref: string): Promise<void> {
    await this.raw(['update-ref', '-d', ref]);
  }

  async lsTree(treeish: string, recursive: boolean): Promise<LsTreeEntry[]> {
    const args = ['ls-tree', '-l', '-z', ...(recursive ? ['-r', '-t'] : []), treeish];
    const out = (await this.raw(args)).stdout.toString('utf8');
    return out
      .split('\0')
      .filter(Boolean)
      .map((line) => {
        const tab = line.indexOf('\t');
        const [mode = '', type = '', sha = '', size = '-'] = line.slice(0, tab).split(/\s+/);
        return {
          mode,
          type: type as LsTreeEntry['type'],
          sha,
          size: size === '-' ? undefined : Number(size),
          path: line.slice(tab + 1),
        };
      });
  }

  /** The tree `base` becomes after `changes`, written through a private index. */
  async writeTree(base: string | undefined, changes: TreeChange[]): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'gh-index-'));
    const env = { GIT_INDEX_FILE: join(dir, 'index') };
    try {
      await this.raw(base ? ['read-tree', base] : ['read-tree', '--empty'], { env });
      const lines = changes
        .map((c) => (c.sha === null ? `0 ${ZERO_SHA}\t${c.path}` : `${c.mode} ${c.sha}\t${c.path}`))
        .join('\0');
      if (lines)
        await this.raw(['update-index', '-z', '--index-info'], { env, input: `${lines}\0` });
      return await this.text(['write-tree'], { env });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async commitTree(
    tree: string,
    parents: string[],
    message: string,
    author: GitIdentity,
    committer: GitIdentity = author,
  ): Promise<string> {
    const date = (who: GitIdentity) => `${who.date ?? Math.floor(Date.now() / 1000)} +0000`;
    return this.text(['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-F', '-'], {
      input: message,
      env: {
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_AUTHOR_DATE: date(author),
        GIT_COMMITTER_NAME: committer.name,
        GIT_COMMITTER_EMAIL: committer.email,
        GIT_COMMITTER_DATE: date(committer),
      },
    });
  }

  async readCommit(sha: string): Promise<CommitInfo> {
    const text = (await this.raw(['cat-file', 'commit', sha])).stdout.toString('utf8');
    const split = text.indexOf('\n\n');
    const headers = text.slice(0, split).split('\n');
    const message = split === -1 ? '' : text.slice(split + 2);
    const person = (line: string | undefined): Required<GitIdentity> => {
      const m = /^\S+ (.*) <(.*)> (\d+) [+-]\d{4}$/.exec(line ?? '');
      return { name: m?.[1] ?? '', email: m?.[2] ?? '', date: Number(m?.[3] ?? 0) };
    };
    return {
      sha,
      tree: headers.find((h) => h.startsWith('tree '))?.slice(5) ?? '',
      parents: headers.filter((h) => h.startsWith('parent ')).map((h) => h.slice(7)),
      author: person(headers.find((h) => h.startsWith('author '))),
      committer: person(headers.find((h) => h.startsWith('committer '))),
      message,
    };
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const result = await this.raw(['merge-base', '--is-ancestor', ancestor, descendant], {
      okCodes: [1],
    });
    return result.code === 0;
  }

  async mergeBase(a: string, b: string): Promise<string | undefined> {
    const result = await this.raw(['merge-base', a, b], { okCodes: [1] });
    return result.code === 0 ? result.stdout.toString().trim() : undefined;
  }

  /** The merged tree of two commits, or undefined when they conflict (git 2.38+). */
  async mergeTree(ours: string, theirs: string): Promise<string | undefined> {
    const result = await this.raw(['merge-tree', '--write-tree', '--no-messages', ours, theirs], {
      okCodes: [1],
    });
    return result.code === 0 ? result.stdout.toString().split('\n')[0]?.trim() : undefined;
  }

  async countCommits(range: string): Promise<number> {
    return Number(await this.text(['rev-list', '--count', range]));
  }

  /** Added and deleted lines and changed files between two commits. */
  async diffStat(
    from: string,
    to: string,
  ): Promise<{ additions: number; deletions: number; files: number }> {
    const out = await this.text(['diff', '--numstat', from, to]);
    const rows = out.split('\n').filter(Boolean);
    const sum = (i: number) => rows.reduce((n, row) => n + (Number(row.split('\t')[i]) || 0), 0);
    return { additions: sum(0), deletions: sum(1), files: rows.length };
  }

  async archive(sha: string, prefix: string): Promise<Buffer> {
    return (await this.raw(['archive', '--format=tar', `--prefix=${prefix}/`, sha])).stdout;
  }
}

interface RunOptions {
  input?: string | Uint8Array;
  env?: Record<string, string>;
  okCodes?: number[];
}

interface RunResult {
  code: number;
  stdout: Buffer;
}

function run(args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', args, {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        // Keep the developer's ~/.gitconfig (signing, hooks, templates) out.
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        HOME: tmpdir(),
        LC_ALL: 'C',
        ...options.env,
      },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      if (code === 0 || (code !== null && options.okCodes?.includes(code))) {
        resolvePromise({ code: code ?? 0, stdout });
      } else {
        reject(new GitError(args, code, Buffer.concat(err).toString('utf8')));
      }
    });
    if (child.stdin) {
      // git may exit before reading everything (e.g. on bad input); the exit code says why.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}
