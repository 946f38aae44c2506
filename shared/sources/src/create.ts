import path from 'node:path';
import type { SourceEntry } from '@restack/config';
import { RestackError } from '@restack/core';
import type { GitHubPort } from '@restack/github';
import { defaultGitName, gitSource } from './git.js';
import { githubSource } from './github.js';
import { localSource } from './local.js';
import type { Source } from './types.js';

export interface CreateSourcesOptions {
  baseDir: string;
  /** Where git clones are kept. Default `<baseDir>/.restack/cache/git`. */
  cacheDir?: string;
  /** Needed by `github` sources. */
  github?: GitHubPort;
  env?: NodeJS.ProcessEnv;
}

/** One Source per `sources:` entry of restack.yaml. */
export function createSources(
  entries: readonly SourceEntry[],
  options: CreateSourcesOptions,
): Source[] {
  const cacheDir = options.cacheDir ?? path.join(options.baseDir, '.restack', 'cache', 'git');
  return entries.map((entry, i) => {
    if ('path' in entry) return localSource({ path: entry.path, baseDir: options.baseDir });
    if ('git' in entry) {
      const url =
        /^[\w+]+:\/\//.test(entry.git) || /^[\w.-]+@[^:]+:/.test(entry.git)
          ? entry.git
          : path.resolve(options.baseDir, entry.git);
      return gitSource({
        url,
        name: entry.name ?? defaultGitName(entry.git),
        cacheDir,
        ...(entry.ref ? { ref: entry.ref } : {}),
        ...(entry.credentials ? { credentials: entry.credentials } : {}),
        ...(options.env ? { env: options.env } : {}),
      });
    }
    const g = entry.github;
    if (!options.github) {
      throw new RestackError(
        'sources.github-missing',
        `sources[${i}] reads GitHub but no GitHub client is configured`,
        {
          where: `sources[${i}].github`,
          fix: 'add a `github:` section (auth) to restack.yaml',
        },
      );
    }
    return githubSource({
      github: options.github,
      name: g.name ?? g.org ?? 'github',
      ...(g.org !== undefined ? { org: g.org } : {}),
      ...(g.repositories ? { repositories: g.repositories } : {}),
      includeArchived: g.includeArchived,
      includeForks: g.includeForks,
      topics: g.topics,
      ...(g.nameGlob ? { nameGlob: g.nameGlob } : {}),
    });
  });
}
