import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { RestackError } from '@restack/core';
import tar from 'tar-stream';

/** `./a//b/` -> `a/b`: how tar entry names compare. */
export function normaliseEntryName(name: string): string {
  return name
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

/**
 * The folder as a tar stream (regular files, folders, symlinks), entries in a
 * stable order. `.dockerignore` is left to the engine: podman applies it to
 * the context it receives.
 */
export function contextFromFolder(folder: string): Readable {
  const pack = tar.pack();
  void (async () => {
    await addFolder(pack, folder, '');
    pack.finalize();
  })().catch((e: unknown) => pack.destroy(contextError(folder, e)));
  return nodeReadable(pack);
}

/** tar-stream's streams are streamx ones; dockerode and callers expect Node's. */
function nodeReadable(pack: tar.Pack): Readable {
  const out = Readable.from(pack, { objectMode: false });
  out.once('close', () => pack.destroy());
  return out;
}

async function addFolder(pack: tar.Pack, root: string, prefix: string): Promise<void> {
  const names = (await readdir(join(root, prefix))).sort();
  for (const name of names) {
    const relative = prefix === '' ? name : `${prefix}/${name}`;
    const path = join(root, relative);
    const info = await lstat(path);
    const header = { name: relative, mode: info.mode & 0o7777, mtime: info.mtime, uid: 0, gid: 0 };
    if (info.isDirectory()) {
      await addEntry(pack, { ...header, name: `${relative}/`, type: 'directory' });
      await addFolder(pack, root, relative);
    } else if (info.isSymbolicLink()) {
      await addEntry(pack, { ...header, type: 'symlink', linkname: await readlink(path) });
    } else if (info.isFile()) {
      await addEntry(pack, { ...header, size: info.size }, createReadStream(path));
    }
    // Sockets, fifos and devices have no place in a build context.
  }
}

/**
 * Writes one entry; resolves once the pack has taken it, which waits for
 * whoever reads the pack (backpressure all the way to the engine).
 */
async function addEntry(
  pack: tar.Pack,
  header: EntryHeader,
  body?: AsyncIterable<unknown> | Buffer,
): Promise<void> {
  let sink: ReturnType<tar.Pack['entry']> | undefined;
  const written = new Promise<void>((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    sink = Buffer.isBuffer(body) ? pack.entry(header, body, done) : pack.entry(header, done);
  });
  if (sink && body !== undefined && !Buffer.isBuffer(body)) {
    for await (const chunk of body) {
      if (!sink.write(chunk))
        await new Promise<void>((resolve) => sink?.once('drain', () => resolve()));
    }
    // streamx's end() takes an optional last chunk; its typings make it required.
    sink.end(null);
  }
  await written;
}

type EntryHeader = Parameters<tar.Pack['entry']>[0];

function contextError(where: string, cause: unknown): RestackError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new RestackError('ENGINE_CONTEXT_FAILED', `could not read the build context: ${why}`, {
    where,
    cause,
    fix: 'check that the context folder exists and is readable',
  });
}

export interface GitContext {
  /** A local clone. */
  repository: string;
  /** The exact commit: a full 40 (SHA-1) or 64 (SHA-256) hex object id, never a branch. */
  commit: string;
  /** A folder of the repository to use as the context root. Default: the whole tree. */
  path?: string;
}

const FULL_COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The tree of one commit as a tar stream, from `git archive` (the git CLI,
 * arguments as an array so no shell ever sees them). The commit is checked
 * first, so a missing one is a clear error rather than a truncated tar.
 */
export async function contextFromGit(source: GitContext): Promise<Readable> {
  const where = `${source.repository}@${source.commit}`;
  if (!FULL_COMMIT.test(source.commit)) {
    throw new RestackError('ENGINE_CONTEXT_FAILED', `"${source.commit}" is not a full commit id`, {
      where,
      fix: 'pass the full hexadecimal commit id (git rev-parse <rev>), so the build is reproducible',
    });
  }
  const path = source.path === undefined ? '' : normaliseEntryName(source.path);
  if (path.split('/').includes('..')) {
    throw new RestackError(
      'ENGINE_CONTEXT_FAILED',
      `the context path "${source.path}" leaves the repository`,
      {
        where,
        fix: 'give a folder inside the repository',
      },
    );
  }
  const treeish = path === '' ? source.commit : `${source.commit}:${path}`;
  // A commit, or a tree id (a subfolder already resolved): both peel to a tree.
  await runGit(source.repository, ['cat-file', '-e', `${source.commit}^{tree}`], where);
  // `<commit>:<path>^{tree}` would read "^{tree}" as part of the path, so ask for the type.
  if (path !== '') {
    const type = (await runGit(source.repository, ['cat-file', '-t', treeish], where)).trim();
    if (type !== 'tree') {
      throw new RestackError(
        'ENGINE_CONTEXT_FAILED',
        `"${path}" is a ${type}, not a folder, at ${source.commit}`,
        {
          where,
          fix: 'give the folder that holds the build context',
        },
      );
    }
  }
  return gitArchive(source.repository, treeish, where);
}

function gitArchive(repository: string, treeish: string, where: string): Readable {
  const out = new PassThrough();
  const child = spawn('git', ['-C', repository, 'archive', '--format=tar', treeish], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (text: string) => stderr.push(text));
  child.stdout.pipe(out, { end: false });
  // The tar ends only once git has exited cleanly; a failure mid-way is an error, not a short tar.
  child.on('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(gitError(where, ['archive', treeish], stderr.join(''), code));
  });
  child.on('error', (e) => out.destroy(gitError(where, ['archive'], e.message, null)));
  out.on('close', () => {
    if (child.exitCode === null) child.kill();
  });
  return out;
}

/** Runs git and resolves with what it printed on stdout. */
function runGit(repository: string, args: string[], where: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', repository, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (text: string) => stdout.push(text));
    const stderr: string[] = [];
    child.stderr.setEncoding('utf8').on('data', (text: string) => stderr.push(text));
    child.on('error', (e) => reject(gitError(where, args, e.message, null)));
    child.on('close', (code) =>
      code === 0 ? resolve(stdout.join('')) : reject(gitError(where, args, stderr.join(''), code)),
    );
  });
}

function gitError(
  where: string,
  args: string[],
  detail: string,
  code: number | null,
): RestackError {
  const missing = code === null && /ENOENT/.test(detail);
  const why = detail.trim() || `git exited with code ${code}`;
  return new RestackError('ENGINE_CONTEXT_FAILED', `git ${args[0]} failed: ${why}`, {
    where,
    fix: missing
      ? 'install git (apt-get install git)'
      : 'check that the repository is a local clone and that it has the commit (git fetch)',
  });
}

/**
 * The same tar with the file at `path` replaced by `content` (added when the
 * tar has none), so a pinned Dockerfile is built in place of the original.
 */
export function replaceFile(context: Readable, path: string, content: string | Buffer): Readable {
  const target = normaliseEntryName(path);
  const body = Buffer.from(content);
  const extract = tar.extract();
  const pack = tar.pack();
  void (async () => {
    context.on('error', (e) => extract.destroy(e));
    context.pipe(extract);
    let mode = 0o644;
    for await (const entry of extract) {
      const header = entry.header;
      if (normaliseEntryName(header.name) === target) {
        mode = header.mode ?? mode;
        entry.resume();
      } else if (header.type === 'file' || header.type === 'contiguous-file') {
        await addEntry(pack, { ...header }, entry);
      } else {
        entry.resume();
        await addEntry(pack, { ...header });
      }
    }
    await addEntry(pack, { name: target, mode, size: body.length, mtime: new Date(0) }, body);
    pack.finalize();
  })().catch((e: unknown) => pack.destroy(e instanceof Error ? e : new Error(String(e))));
  return nodeReadable(pack);
}
