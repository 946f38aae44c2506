import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { RestackError } from '@restack/core';
import { contextFromFolder, contextFromGit } from '@restack/engine';
import { gitShow, gitTopLevel, originUrl, resolveCommit, treeAt, uncommitted } from './git.js';

/** A Dockerfile and its build context at one revision. */
export interface BuildSource {
  /** The repository URL for `org.opencontainers.image.source`; null when unknown. */
  source: string | null;
  /** The exact commit built; null for a folder that is not a git work tree. */
  revision: string | null;
  /** The Dockerfile's path inside the context. */
  dockerfile: string;
  dockerfileText: string;
  context(): Promise<Readable>;
  /** Worth knowing: e.g. uncommitted changes that are not built. */
  notes: string[];
}

/** `a/b` with `/`, or an error when `inner` is outside `outer`. */
function inside(outer: string, inner: string, what: string): string {
  const rel = path.relative(outer, inner).split(path.sep).join('/');
  if (rel === '..' || rel.startsWith('../') || path.isAbsolute(rel)) {
    throw new RestackError('REBUILD_SOURCE_FAILED', `${what} ${inner} is outside ${outer}`, {
      where: inner,
      fix: 'put the Dockerfile inside its build context (images[].context in restack.yaml)',
    });
  }
  return rel;
}

/**
 * The source of a Dockerfile on disk. Inside a git work tree it is the
 * committed tree of HEAD (`git archive`, the Dockerfile read from the same
 * commit), so the image's revision label is true and uncommitted edits are
 * never built; elsewhere it is the folder as it is.
 */
export async function localBuildSource(options: {
  dockerfile: string;
  context: string;
}): Promise<BuildSource> {
  const dockerfile = path.resolve(options.dockerfile);
  const context = path.resolve(options.context);
  const inContext = inside(context, dockerfile, 'the Dockerfile');
  const top = await gitTopLevel(context);
  if (top === null) {
    const text = await readFile(dockerfile, 'utf8').catch((cause: unknown) => {
      throw new RestackError(
        'REBUILD_SOURCE_FAILED',
        `cannot read ${dockerfile}: ${(cause as Error).message}`,
        {
          where: dockerfile,
          cause,
        },
      );
    });
    return {
      source: null,
      revision: null,
      dockerfile: inContext,
      dockerfileText: text,
      context: async () => contextFromFolder(context),
      notes: [],
    };
  }
  const commit = await resolveCommit(top, 'HEAD');
  if (commit === null) {
    throw new RestackError('REBUILD_SOURCE_FAILED', `the git repository ${top} has no commit yet`, {
      where: top,
      fix: 'commit the Dockerfile and its context: restack builds the committed tree',
    });
  }
  return gitSourceAt(top, commit, {
    context: inside(top, context, 'the build context'),
    dockerfile: inside(top, dockerfile, 'the Dockerfile'),
  });
}

/** A Dockerfile and context at one commit of a local git repository. */
export async function gitSourceAt(
  repository: string,
  commit: string,
  paths: { context: string; dockerfile: string },
): Promise<BuildSource> {
  const contextPath = paths.context === '.' ? '' : paths.context;
  const inContext = inside(
    path.join(repository, contextPath),
    path.join(repository, paths.dockerfile),
    'the Dockerfile',
  );
  const text = await gitShow(repository, commit, paths.dockerfile);
  if (text === null) {
    throw new RestackError(
      'REBUILD_SOURCE_FAILED',
      `${paths.dockerfile} is not in commit ${commit} of ${repository}`,
      {
        where: `${repository}@${commit}`,
        fix: 'commit the Dockerfile: restack builds committed trees only',
      },
    );
  }
  // The context folder's own tree id: contextFromGit archives any full object id.
  const tree = await treeAt(repository, commit, contextPath);
  if (tree === null) {
    throw new RestackError(
      'REBUILD_SOURCE_FAILED',
      `the build context ${contextPath || '.'} is not a folder in commit ${commit} of ${repository}`,
      {
        where: `${repository}@${commit}`,
        fix: 'commit the build context folder, or fix images[].context',
      },
    );
  }
  const dirty = await uncommitted(repository, contextPath);
  return {
    source: await originUrl(repository),
    revision: commit,
    dockerfile: inContext,
    dockerfileText: text,
    context: () => contextFromGit({ repository, commit: tree }),
    notes: dirty.length
      ? [
          `${dirty.length} uncommitted change(s) under ${contextPath || '.'} are not built (building ${commit})`,
        ]
      : [],
  };
}

/** Opens repositories named `owner/name` at a revision, for the builder service. */
export interface RepositorySources {
  open(request: {
    repository: string;
    revision: string;
    context: string;
    dockerfile: string;
  }): Promise<BuildSource>;
}

/**
 * Repositories that are local git clones (or plain folders), by name. The
 * revision (branch, tag or commit) is resolved once to an exact commit and
 * that commit is built. Fetching remote repositories (GitHub's tarball API,
 * a clone cache) belongs to other RepositorySources implementations.
 */
export function localRepositories(repositories: Record<string, string>): RepositorySources {
  return {
    async open(request) {
      const root = repositories[request.repository];
      if (root === undefined) {
        throw new RestackError(
          'REBUILD_SOURCE_UNKNOWN',
          `no local clone is configured for ${request.repository}`,
          {
            where: request.repository,
            fix: `map ${request.repository} to a local clone in the builder's repositories`,
          },
        );
      }
      const top = await gitTopLevel(root);
      if (top === null) {
        return localBuildSource({
          dockerfile: path.join(root, request.dockerfile),
          context: path.join(root, request.context),
        });
      }
      const commit = await resolveCommit(top, request.revision);
      if (commit === null) {
        throw new RestackError(
          'REBUILD_SOURCE_FAILED',
          `${request.repository} has no revision "${request.revision}"`,
          {
            where: `${top}@${request.revision}`,
            fix: 'fetch the repository (git fetch) or request a revision it has',
          },
        );
      }
      const prefix = inside(top, path.resolve(root), 'the repository folder');
      const join = (p: string) => path.posix.normalize(prefix ? `${prefix}/${p}` : p);
      return gitSourceAt(top, commit, {
        context: join(request.context),
        dockerfile: join(request.dockerfile),
      });
    },
  };
}
