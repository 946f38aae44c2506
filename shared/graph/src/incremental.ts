import { compare, cycleErrors, edgesOf, type Producers } from './build.js';
import type {
  Dependency,
  DockerfileDeps,
  ExternalRef,
  Graph,
  GraphEdge,
  GraphError,
  GraphNode,
  ProducedImage,
} from './types.js';

const edgeOrder = (a: GraphEdge, b: GraphEdge) =>
  compare(a.from, b.from) || compare(a.to, b.to) || compare(a.ref, b.ref);

/**
 * The graph after some Dockerfiles changed and the catalog did not: only the
 * edges into the changed files and their external references are worked out
 * again; the result equals buildGraph's on the same input.
 */
export function patchGraph(
  prev: Graph,
  dockerfiles: readonly DockerfileDeps[],
  changed: ReadonlySet<string>,
  produced: ReadonlyMap<string, ProducedImage[]>,
  producers: Producers,
): Graph {
  const dependencies = new Map<string, Dependency[]>();
  const errors: GraphError[] = [];
  for (const d of dockerfiles) {
    dependencies.set(d.dockerfile, d.dependencies);
    errors.push(...d.errors);
  }
  const present = (id: string) => dependencies.has(id) || produced.has(id);
  const before = new Set(prev.nodes.map((n) => n.dockerfile));
  let nodes: GraphNode[] = prev.nodes;
  if ([...changed].some((id) => present(id) !== before.has(id))) {
    nodes = prev.nodes.filter((n) => present(n.dockerfile));
    for (const id of changed) {
      if (present(id) && !before.has(id))
        nodes.push({ dockerfile: id, images: produced.get(id) ?? [] });
    }
    nodes.sort((a, b) => compare(a.dockerfile, b.dockerfile));
  }

  const added: GraphEdge[] = [];
  const external = new Map<string, string[]>();
  for (const x of prev.external) {
    const kept = x.dependents.filter((d) => !changed.has(d));
    if (kept.length) external.set(x.ref, kept);
  }
  const touched = new Set<string>();
  for (const id of changed) {
    const deps = dependencies.get(id);
    if (!deps) continue;
    const own = edgesOf(id, deps, producers);
    added.push(...own.edges);
    for (const key of own.external) {
      const list = external.get(key) ?? [];
      list.push(id);
      external.set(key, list);
      touched.add(key);
    }
  }
  for (const key of touched) external.get(key)!.sort(compare);
  const externalList: ExternalRef[] = [...external]
    .map(([ref, dependents]) => ({ ref, dependents }))
    .sort((a, b) => compare(a.ref, b.ref));

  added.sort(edgeOrder);
  const edges = merge(
    prev.edges.filter((e) => !changed.has(e.to)),
    added,
  );
  // Without a cycle before, a new one needs a new edge P -> X with P below X.
  const into = prevInto(prev, changed);
  const fresh = added.filter((e) => !into.has(`${e.from}\n${e.to}`));
  const cyclic =
    prev.cyclic.size === 0 && !fresh.some((e) => reaches(edges, e.to, e.from))
      ? new Set<string>()
      : cycleErrors(nodes, edges, errors);
  return { nodes, edges, external: externalList, errors, dependencies, cyclic };
}

/** Merges two sorted edge lists. */
function merge(a: GraphEdge[], b: GraphEdge[]): GraphEdge[] {
  if (!b.length) return a;
  const out: GraphEdge[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && edgeOrder(a[i]!, b[j]!) <= 0)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/** `from\nto` of the edges into changed Dockerfiles before the change. */
function prevInto(prev: Graph, changed: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const e of prev.edges) if (changed.has(e.to)) out.add(`${e.from}\n${e.to}`);
  return out;
}

/** Is `target` reachable from `start`? Children are looked up lazily. */
function reaches(edges: readonly GraphEdge[], start: string, target: string): boolean {
  if (start === target) return true;
  const children = new Map<string, string[]>();
  for (const e of edges) (children.get(e.from) ?? children.set(e.from, []).get(e.from)!).push(e.to);
  const seen = new Set([start]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const c of children.get(queue[i]!) ?? []) {
      if (c === target) return true;
      if (seen.has(c)) continue;
      seen.add(c);
      queue.push(c);
    }
  }
  return false;
}
