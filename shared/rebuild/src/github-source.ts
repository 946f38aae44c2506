import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { RestackError } from '@restack/core';
import { contextFromFolder } from '@restack/engine';
import type { BuildSource, RepositorySources } from './build-source.js';
import { tarEntries } from './tarball.js';

type RepoRef = { owner: string; repo: string };

/** The part of @restack/github's GitHubPort a tarball source needs. */
export interface TarballPort {
  /** The head of `branch`, or of the default branch when omitted. */
  getBranchHead(repo: RepoRef, branch?: string): Promise<{ sha: string }>;
  /** A ref's tarball, gzipped, as GitHub's tarball API serves it. */
  downloadTarball(repo: RepoRef, ref: string): Promise<Uint8Array>;
}

export interface GitHubSourceOptions {
  /** For the `source` label: default https://github.com (GHES: https://HOST). */
  webUrl?: string;
  /** Where contexts are unpacked while they are sent; default the OS temp folder. */
  tmpDir?: string;
}

const COMMIT = /^[0-9a-f]{40}$/i;

function sourceError(message: string, where: string, fix?: string): RestackError {
  return new RestackError('REBUILD_SOURCE_FAILED', message, { where, ...(fix ? { fix } : {}) });
}

/** A relative path inside the repository, normalised (`.` for the top). */
function repoPath(p: string, where: string): string {
  const normal = path.posix.normalize(p).replace(/\/+$/, '');
  if (normal.startsWith('/') || normal === '..' || normal.startsWith('../'))
    throw sourceError(`${p} is outside the repository`, where);
  return normal === '' ? '.' : normal;
}

/** The commit a revision names: a commit id as it is, a branch (or HEAD) by its head; null otherwise. */
async function resolveRevision(
  github: TarballPort,
  repo: RepoRef,
  revision: string,
): Promise<string | null> {
  if (COMMIT.test(revision)) return revision.toLowerCase();
  try {
    const head = await github.getBranchHead(repo, revision === 'HEAD' ? undefined : revision);
    return head.sha;
  } catch (e) {
    if (e instanceof RestackError && e.code === 'github.not-found') return null;
    throw e;
  }
}

/** Unpacks `member` (GitHub's top folder stripped) of the tar into `into`, with the system tar. */
function untar(tar: Buffer, into: string, member: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-x', '-f', '-', '-C', into, '--strip-components=1', '--no-same-owner', member];
    const child = spawn('tar', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(sourceError(`tar could not run: ${e.message}`, into)));
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            sourceError(
              `tar could not unpack ${member}: ${Buffer.concat(err).toString('utf8').trim()}`,
              into,
            ),
          ),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(tar);
  });
}

/**
 * Repositories read through GitHub's tarball API (`owner/name` on the forge
 * the port talks to). The revision is resolved once to a commit (a commit id
 * as it is, a branch or `HEAD` through its head, a tag through the commit
 * GitHub writes into the archive), the tarball of that commit is downloaded,
 * GitHub's top folder (`owner-repo-sha/`) is stripped, the Dockerfile is read
 * from it and the context folder is what is sent to the engine.
 */
export function githubRepositories(
  github: TarballPort,
  options: GitHubSourceOptions = {},
): RepositorySources {
  const webUrl = (options.webUrl ?? 'https://github.com').replace(/\/+$/, '');
  return {
    async open(request) {
      const [owner, name, ...rest] = request.repository.split('/');
      if (!owner || !name || rest.length > 0)
        throw sourceError(`"${request.repository}" is not owner/name`, request.repository);
      const repo = { owner, repo: name };
      const where = `${request.repository}@${request.revision}`;
      const context = repoPath(request.context, where);
      const dockerfile = repoPath(request.dockerfile, where);
      const inContext = context === '.' ? dockerfile : path.posix.relative(context, dockerfile);
      if (inContext.startsWith('../') || inContext === '..' || inContext === '')
        throw sourceError(`the Dockerfile ${dockerfile} is outside its context ${context}`, where);

      let commit = await resolveRevision(github, repo, request.revision);
      const tar = gunzipSync(await github.downloadTarball(repo, commit ?? request.revision));
      const { entries, comment } = tarEntries(tar, where);
      if (commit === null) commit = comment && COMMIT.test(comment) ? comment : null;
      if (commit === null)
        throw sourceError(
          `cannot tell which commit "${request.revision}" of ${request.repository} is`,
          where,
          'request a branch or a commit id',
        );
      if (comment !== null && comment !== commit)
        throw sourceError(`the tarball of ${commit} says it holds ${comment}`, where);
      const top = entries[0]?.name.split('/')[0];
      if (!top) throw sourceError('the tarball is empty', where);
      const file = entries.find(
        (e) => e.name === `${top}/${dockerfile}` && (e.type === '0' || e.type === '7'),
      );
      if (!file)
        throw sourceError(
          `${dockerfile} is not a file in commit ${commit} of ${request.repository}`,
          where,
        );
      const member = context === '.' ? top : `${top}/${context}`;
      if (!entries.some((e) => e.type === '5' && e.name.replace(/\/$/, '') === member))
        throw sourceError(
          `the build context ${context} is not a folder in commit ${commit} of ${request.repository}`,
          where,
          'fix images[].context',
        );
      const dockerfileText = tar.subarray(file.offset, file.offset + file.size).toString('utf8');
      const source: BuildSource = {
        source: `${webUrl}/${request.repository}`,
        revision: commit,
        dockerfile: inContext,
        dockerfileText,
        context: async (): Promise<Readable> => {
          const dir = await mkdtemp(path.join(options.tmpDir ?? tmpdir(), 'restack-context-'));
          const cleanup = () => void rm(dir, { recursive: true, force: true });
          try {
            await untar(tar, dir, member);
          } catch (e) {
            cleanup();
            throw e;
          }
          const stream = contextFromFolder(path.join(dir, context));
          stream.once('close', cleanup);
          return stream;
        },
        notes: [],
      };
      return source;
    },
  };
}

/**
 * Tries each source in turn: the first that knows the repository opens it
 * (one that answers REBUILD_SOURCE_UNKNOWN passes it on).
 */
export function firstSource(...sources: RepositorySources[]): RepositorySources {
  return {
    async open(request) {
      let last: unknown;
      for (const s of sources) {
        try {
          return await s.open(request);
        } catch (e) {
          if (!(e instanceof RestackError && e.code === 'REBUILD_SOURCE_UNKNOWN')) throw e;
          last = e;
        }
      }
      throw last ?? sourceError(`no source can open ${request.repository}`, request.repository);
    },
  };
}
