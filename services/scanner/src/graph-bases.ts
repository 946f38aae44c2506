import { parseReference } from '@restack/reference';

/** The parts of the graph JSON (`restack graph`, restack.rpc.graph.graph) read here. */
export interface GraphView {
  nodes: ReadonlyArray<{ dockerfile: string; images: ReadonlyArray<{ name: string }> }>;
  edges: ReadonlyArray<{ to: string; ref: string; kind: string }>;
  external: ReadonlyArray<{ ref: string; dependents: readonly string[] }>;
}

/**
 * The base of an image without OCI base labels, from the Dockerfile that
 * produces it: only when every FROM of that Dockerfile names the same image
 * (a multi-stage build's final base cannot be told from the graph, and a
 * builder stage's base would be the wrong one to judge).
 */
export function graphBaseRefs(graph: GraphView, ref: string): string[] {
  const parsed = parseReference(ref);
  if (!parsed.ok) return [];
  const node = graph.nodes.find((n) => n.images.some((i) => i.name === parsed.ref.name));
  if (!node) return [];
  const froms = new Set([
    ...graph.edges.filter((e) => e.to === node.dockerfile && e.kind === 'from').map((e) => e.ref),
    ...graph.external.filter((x) => x.dependents.includes(node.dockerfile)).map((x) => x.ref),
  ]);
  return froms.size === 1 ? [...froms] : [];
}
