import { compare } from './build.js';
import type { Graph } from './types.js';

export interface GraphEdgeId {
  from: string;
  to: string;
}

/** What one update changed: the data of `restack.graph.updated`. */
export interface GraphDelta {
  repository?: string;
  changedFiles: string[];
  nodes: { added: string[]; removed: string[] };
  edges: { added: GraphEdgeId[]; removed: GraphEdgeId[] };
}

/** Nodes and edges (from, to) that appeared or disappeared between two graphs. */
export function diffGraphs(
  before: Graph,
  after: Graph,
  changedFiles: string[],
  repository?: string,
  /** When known, only edges touching these nodes can differ. */
  scope?: ReadonlySet<string>,
): GraphDelta {
  const nodesBefore = new Set(before.nodes.map((n) => n.dockerfile));
  const nodesAfter = new Set(after.nodes.map((n) => n.dockerfile));
  const key = (e: GraphEdgeId) => `${e.from}\n${e.to}`;
  const inScope = (e: GraphEdgeId) => !scope || scope.has(e.to) || scope.has(e.from);
  const edgeMap = (g: Graph) => {
    const map = new Map<string, GraphEdgeId>();
    for (const e of g.edges) if (inScope(e)) map.set(key(e), { from: e.from, to: e.to });
    return map;
  };
  const edgesBefore = edgeMap(before);
  const edgesAfter = edgeMap(after);
  const minus = <T>(a: Map<string, T>, b: Map<string, T>) =>
    [...a]
      .filter(([k]) => !b.has(k))
      .sort(([x], [y]) => compare(x, y))
      .map(([, v]) => v);
  return {
    ...(repository ? { repository } : {}),
    changedFiles: [...changedFiles].sort(compare),
    nodes: {
      added: [...nodesAfter].filter((n) => !nodesBefore.has(n)).sort(compare),
      removed: [...nodesBefore].filter((n) => !nodesAfter.has(n)).sort(compare),
    },
    edges: { added: minus(edgesAfter, edgesBefore), removed: minus(edgesBefore, edgesAfter) },
  };
}
