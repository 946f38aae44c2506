import { createHash } from 'node:crypto';
import type { LoadedConfig } from '@restack/config';
import type { Logger } from '@restack/core';
import {
  decodeSnapshot,
  encodeSnapshot,
  graphIndexFor,
  type GraphDelta,
  type GraphIndex,
  type LoadGraphOptions,
} from '@restack/graph';
import type { SnapshotStore } from './snapshot-store.js';

export interface GraphState {
  readonly index: GraphIndex;
  /** How the index was made at start-up. */
  readonly origin: 'snapshot' | 'sources';
  /** Runs index changes one at a time, then snapshots. */
  change<T>(fn: (index: GraphIndex) => Promise<T>): Promise<T>;
}

/** Which sources a snapshot is of: another list means a full re-index. */
export function sourcesFingerprint(loaded: LoadedConfig): string {
  return createHash('sha256')
    .update(JSON.stringify([loaded.baseDir, loaded.config.sources]))
    .digest('hex');
}

/**
 * The index, from the snapshot in KV when there is a valid one (no source is
 * read), else from the sources (then snapshotted).
 */
export async function openGraphState(
  loaded: LoadedConfig,
  options: LoadGraphOptions,
  store: SnapshotStore,
  log: Logger,
): Promise<GraphState> {
  const fingerprint = sourcesFingerprint(loaded);
  const bytes = await store.load();
  const decoded = bytes ? decodeSnapshot(bytes, fingerprint) : undefined;
  let index: GraphIndex;
  let origin: GraphState['origin'];
  if (decoded) {
    index = graphIndexFor(loaded, options, decoded.data);
    for (const s of index.sources) s.restore(decoded.sourceStates[s.name] ?? {});
    origin = 'snapshot';
  } else {
    index = graphIndexFor(loaded, options);
    await index.indexAll();
    await store.save(encodeSnapshot(index, fingerprint));
    origin = 'sources';
  }
  const g = index.graph();
  log.info(
    { origin, nodes: g.nodes.length, edges: g.edges.length, errors: g.errors.length },
    'graph index ready',
  );

  let queue: Promise<unknown> = Promise.resolve();
  return {
    index,
    origin,
    change<T>(fn: (index: GraphIndex) => Promise<T>): Promise<T> {
      const run = queue.then(async () => {
        const result = await fn(index);
        await store.save(encodeSnapshot(index, fingerprint));
        return result;
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

export type { GraphDelta };
