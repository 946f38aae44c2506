import { loadConfig, type LoadedConfig } from '@restack/config';
import { loadGraph } from '@restack/graph';
import type { SweepInputs } from './sweep.js';

/** Sweep inputs from an already loaded config; the graph is read again before every sweep. */
export function loadedInputs(loaded: LoadedConfig): () => Promise<SweepInputs> {
  return async () => ({
    layout: { baseDir: loaded.baseDir, sources: loaded.config.sources },
    graph: await loadGraph(loaded),
    policies: loaded.config.policies,
    lifecycle: loaded.config.lifecycle,
  });
}

/** Sweep inputs read from a restack.yaml each time (so a changed config is picked up). */
export function configInputs(
  configFile: string,
  env: NodeJS.ProcessEnv = process.env,
): () => Promise<SweepInputs> {
  return async () => loadedInputs(await loadConfig(configFile, env))();
}
