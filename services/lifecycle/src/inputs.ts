import { loadConfig } from '@restack/config';
import { loadGraph } from '@restack/graph';
import type { SweepInputs } from './sweep.js';

/** Sweep inputs read from a restack.yaml each time (so a changed config is picked up). */
export function configInputs(
  configFile: string,
  env: NodeJS.ProcessEnv = process.env,
): () => Promise<SweepInputs> {
  return async () => {
    const loaded = await loadConfig(configFile, env);
    const graph = await loadGraph(loaded);
    return {
      layout: { baseDir: loaded.baseDir, sources: loaded.config.sources },
      graph,
      policies: loaded.config.policies,
      lifecycle: loaded.config.lifecycle,
    };
  };
}
