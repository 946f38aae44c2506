import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import type { ParseResult } from '@restack/catalog';
import type { SourceState } from '@restack/sources';
import type { DockerfileDeps, Graph, GraphError } from './types.js';
import { emptyIndexData, type GraphIndex, type IndexData } from './file-index.js';

const SNAPSHOT_VERSION = 1;

/**
 * The outer shape is checked; the parts are written by this module only and
 * versioned, and checking each of tens of thousands of entries with zod would
 * cost more than the rest of a start-up.
 */
const list = z.array(z.unknown());
const snapshotSchema = z.object({
  version: z.literal(SNAPSHOT_VERSION),
  /** Says which sources the snapshot was taken of; another set means a full re-index. */
  fingerprint: z.string(),
  texts: list,
  readErrors: list,
  units: list,
  extracts: list,
  sourceProblems: list,
  knownDigests: list,
  sourceStates: z.record(z.string(), z.record(z.string(), z.string())),
  graph: z
    .object({
      key: z.string(),
      nodes: list,
      edges: list,
      external: list,
      errors: list,
      cyclic: z.array(z.string()),
    })
    .optional(),
});

/** Serialises the index (gzip'd JSON): texts, parsed units, extractions, digests, source revisions. */
export function encodeSnapshot(index: GraphIndex, fingerprint: string): Buffer {
  const d = index.data;
  const g = index.graph();
  const body = {
    version: SNAPSHOT_VERSION,
    fingerprint,
    texts: [...d.texts],
    readErrors: [...d.readErrors],
    units: [...d.units],
    extracts: [...d.extracts].map(([id, e]) => [id, e.key, e.deps]),
    sourceProblems: [...d.sourceProblems],
    knownDigests: [...d.knownDigests],
    sourceStates: Object.fromEntries(index.sources.map((s) => [s.name, s.state()])),
    graph: {
      key: index.settingsKey,
      nodes: g.nodes,
      edges: g.edges,
      external: g.external,
      errors: g.errors,
      cyclic: [...g.cyclic],
    },
  };
  return gzipSync(JSON.stringify(body), { level: 1 });
}

export interface DecodedSnapshot {
  data: IndexData;
  sourceStates: Record<string, SourceState>;
}

/** The index data of a snapshot, or undefined when it is unreadable or of other sources. */
export function decodeSnapshot(
  bytes: Uint8Array,
  fingerprint: string,
): DecodedSnapshot | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(gunzipSync(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = snapshotSchema.safeParse(raw);
  if (!parsed.success || parsed.data.fingerprint !== fingerprint) return undefined;
  const s = parsed.data;
  const data = emptyIndexData();
  data.texts = new Map(s.texts as Array<[string, string]>);
  data.readErrors = new Map(s.readErrors as Array<[string, string]>);
  data.units = new Map(s.units as Array<[string, ParseResult]>);
  data.extracts = new Map(
    (s.extracts as Array<[string, string, DockerfileDeps]>).map(([id, key, deps]) => [
      id,
      { key, deps },
    ]),
  );
  data.sourceProblems = new Map(s.sourceProblems as Array<[string, GraphError[]]>);
  data.knownDigests = new Map(s.knownDigests as Array<[string, string[]]>);
  if (s.graph) {
    data.restored = {
      key: s.graph.key,
      graph: {
        nodes: s.graph.nodes as Graph['nodes'],
        edges: s.graph.edges as Graph['edges'],
        external: s.graph.external as Graph['external'],
        errors: s.graph.errors as Graph['errors'],
        cyclic: new Set(s.graph.cyclic),
      },
    };
  }
  return { data, sourceStates: s.sourceStates };
}
