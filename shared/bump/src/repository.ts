import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { LoadedConfig } from '@restack/config';
import { loadGraph, refMatches } from '@restack/graph';
import { RestackError } from '@restack/core';
import { validateDigest } from '@restack/reference';
import { bumpDockerfile, type BumpOptions, type Edit } from './rewrite.js';

export interface FileBump {
  dockerfile: string;
  edits: Edit[];
  skipped: Array<{ line: number; message: string }>;
  diff: string;
}

/**
 * Bumps every Dockerfile of the config that uses the changed reference.
 * With `dryRun` nothing is written; the diffs say what would change.
 */
export async function bumpConfig(
  loaded: LoadedConfig,
  options: Omit<BumpOptions, 'buildArgs'> & { dryRun: boolean },
): Promise<FileBump[]> {
  const problem = validateDigest(options.digest);
  if (problem)
    throw new RestackError('bump.digest', `--digest: ${problem}`, {
      fix: 'pass the full digest, e.g. sha256:<64 hex>',
    });
  const graph = await loadGraph(loaded);
  const results: FileBump[] = [];
  for (const [dockerfile, deps] of graph.dependencies) {
    if (!deps.some((d) => d.ref && refMatches(options.changed, d.ref))) continue;
    const file = path.resolve(loaded.baseDir, dockerfile);
    const before = await readFile(file, 'utf8');
    const image = loaded.config.images.find(
      (i) => path.resolve(loaded.baseDir, i.dockerfile) === file,
    );
    const result = bumpDockerfile(before, dockerfile, {
      ...options,
      buildArgs: image?.buildArgs ?? {},
    });
    if (result.edits.length === 0 && result.skipped.length === 0) continue;
    const diff =
      result.text === before
        ? ''
        : createTwoFilesPatch(`a/${dockerfile}`, `b/${dockerfile}`, before, result.text, '', '');
    if (!options.dryRun && result.text !== before) await writeFile(file, result.text);
    results.push({ dockerfile, edits: result.edits, skipped: result.skipped, diff });
  }
  return results;
}
