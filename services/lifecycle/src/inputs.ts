import { loadConfig, type LoadedConfig } from '@restack/config';
import { graphIndexFor } from '@restack/graph';
import type { SweepInputs } from './sweep.js';

/** Sweep inputs from an already loaded config; the graph is read again before every sweep. */
export function loadedInputs(loaded: LoadedConfig): () => Promise<SweepInputs> {
  return async () => {
    const index = graphIndexFor(loaded);
    await index.indexAll();
    return {
      layout: {
        baseDir: loaded.baseDir,
        sources: loaded.config.sources,
        // Git and GitHub sources know their repository (`owner/name`); path sources are
        // named after their folder (owningRepository), so their `local/...` name is left out.
        locate: (dockerfile) => {
          const source = index.sources.find((s) => s.owns(dockerfile));
          const repository = source?.locate(dockerfile)?.repository;
          return repository && !repository.startsWith('local/') ? repository : null;
        },
      },
      graph: index.graph(),
      policies: loaded.config.policies,
      lifecycle: loaded.config.lifecycle,
    };
  };
}

/** Sweep inputs read from a restack.yaml each time (so a changed config is picked up). */
export function configInputs(
  configFile: string,
  env: NodeJS.ProcessEnv = process.env,
): () => Promise<SweepInputs> {
  return async () => loadedInputs(await loadConfig(configFile, env))();
}
