import type { LoadedConfig } from '@restack/config';
import { gitHubPortFromConfig, type GitHubPort } from '@restack/github';
import { createSources } from '@restack/sources';
import type { Graph } from './types.js';
import { relativePosix } from './discover.js';
import { createGraphIndex, type GraphIndex, type IndexData } from './file-index.js';

export interface LoadGraphOptions {
  /** `--build-arg` values; they win over the config's per-image build args. */
  buildArgs?: Record<string, string>;
  /** Digests each catalog image is known by, keyed by image name. */
  knownDigests?: ReadonlyMap<string, string[]>;
  /** The GitHub port `github` sources read through. */
  github?: GitHubPort;
  /** Where git sources are cloned. Default `<config folder>/.restack/cache/git`. */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * An index over the config's sources: not read yet (see GraphIndex.indexAll),
 * or holding `data` restored from a snapshot.
 */
export function graphIndexFor(
  loaded: LoadedConfig,
  options: LoadGraphOptions = {},
  data?: IndexData,
): GraphIndex {
  const { config, baseDir } = loaded;
  const github =
    options.github ??
    gitHubPortFromConfig(config.github, { baseDir, ...(options.env ? { env: options.env } : {}) });
  return createGraphIndex(
    {
      baseDir,
      configFile: loaded.file ? relativePosix(baseDir, loaded.file) : 'restack.yaml',
      images: config.images,
      sources: createSources(config.sources, {
        baseDir,
        ...(github ? { github } : {}),
        ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
        ...(options.env ? { env: options.env } : {}),
      }),
      ...(options.buildArgs ? { buildArgs: options.buildArgs } : {}),
      ...(options.knownDigests ? { knownDigests: options.knownDigests } : {}),
    },
    data,
  );
}

/** Indexes every source of the config (Dockerfiles and catalog files) and builds the graph. */
export async function loadGraph(
  loaded: LoadedConfig,
  options: LoadGraphOptions = {},
): Promise<Graph> {
  const index = graphIndexFor(loaded, options);
  await index.indexAll();
  return index.graph();
}
