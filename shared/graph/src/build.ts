import { effectiveTag, formatReference } from '@restack/reference';
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
import { digestKeyOf, tagKeyOf, watchKey } from './keys.js';
import { findCycles } from './cycles.js';

/**
 * Builds the dependency graph. Nodes are Dockerfiles; an edge A -> B means B
 * depends on an image A produces (same repository and tag, or a digest A's
 * image is known by). References no catalog entry produces are external.
 */
export function buildGraph(
  dockerfiles: DockerfileDeps[],
  produced: Map<string, ProducedImage[]>,
  producers: Producers = indexProducers(produced),
): Graph {
  const nodes = new Map<string, GraphNode>();
  const dependencies = new Map<string, Dependency[]>();
  const errors: GraphError[] = [];
  for (const d of dockerfiles) {
    nodes.set(d.dockerfile, { dockerfile: d.dockerfile, images: produced.get(d.dockerfile) ?? [] });
    dependencies.set(d.dockerfile, d.dependencies);
    errors.push(...d.errors);
  }
  for (const [dockerfile, images] of produced) {
    if (!nodes.has(dockerfile)) nodes.set(dockerfile, { dockerfile, images });
  }

  const edges: GraphEdge[] = [];
  const external = new Map<string, Set<string>>();
  for (const [to, deps] of dependencies) {
    const own = edgesOf(to, deps, producers);
    edges.push(...own.edges);
    for (const key of own.external) {
      let set = external.get(key);
      if (!set) external.set(key, (set = new Set()));
      set.add(to);
    }
  }

  const sortedNodes = [...nodes.values()].sort((a, b) => compare(a.dockerfile, b.dockerfile));
  edges.sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to) || compare(a.ref, b.ref));
  const externalList: ExternalRef[] = [...external]
    .map(([ref, set]) => ({ ref, dependents: [...set].sort(compare) }))
    .sort((a, b) => compare(a.ref, b.ref));

  const cyclic = cycleErrors(sortedNodes, edges, errors);
  return { nodes: sortedNodes, edges, external: externalList, errors, dependencies, cyclic };
}

export interface Producers {
  byTag: Map<string, string[]>;
  byDigest: Map<string, string[]>;
}

/** Which Dockerfiles produce each `name:tag` and `name@digest`, in path order. */
export function indexProducers(produced: Map<string, ProducedImage[]>): Producers {
  const byTag = new Map<string, string[]>();
  const byDigest = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, key: string, dockerfile: string) => {
    const list = map.get(key);
    if (!list) map.set(key, [dockerfile]);
    else if (!list.includes(dockerfile)) list.push(dockerfile);
  };
  for (const [dockerfile, images] of produced) {
    for (const image of images) {
      for (const tag of image.tags) add(byTag, tagKeyOf(image.name, tag), dockerfile);
      for (const digest of image.digests ?? [])
        add(byDigest, digestKeyOf(image.name, digest), dockerfile);
    }
  }
  for (const list of byTag.values()) list.sort(compare);
  for (const list of byDigest.values()) list.sort(compare);
  return { byTag, byDigest };
}

/** The edges into one Dockerfile, and the external references (watch keys) it uses. */
export function edgesOf(
  to: string,
  deps: readonly Dependency[],
  producers: Producers,
): { edges: GraphEdge[]; external: Set<string> } {
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  const external = new Set<string>();
  for (const dep of deps) {
    if (!dep.ref) continue;
    const from = producerOf(dep, producers);
    if (from === undefined) {
      external.add(watchKey(dep.ref));
      continue;
    }
    const ref = formatReference(dep.ref);
    const id = `${from}\n${ref}\n${dep.kind}`;
    if (seen.has(id)) continue;
    seen.add(id);
    edges.push({ from, to, ref, kind: dep.kind });
  }
  return { edges, external };
}

/** Finds the cycles, adds an error for each, and returns the Dockerfiles in them. */
export function cycleErrors(
  nodes: readonly GraphNode[],
  edges: GraphEdge[],
  errors: GraphError[],
): Set<string> {
  const cycles = findCycles(
    nodes.map((n) => n.dockerfile),
    edges,
  );
  const cyclic = new Set<string>();
  for (const cycle of cycles) {
    cycle.forEach((d) => cyclic.add(d));
    errors.push({
      file: cycle[0],
      message: `dependency cycle: ${[...cycle, cycle[0]].join(' -> ')}; a Dockerfile cannot depend on an image it produces, directly or through others`,
    });
  }
  return cyclic;
}

/** The Dockerfile producing what `dep` names; the first in path order when several claim it. */
function producerOf(dep: Dependency, producers: Producers): string | undefined {
  const ref = dep.ref;
  if (!ref) return undefined;
  if (ref.digest !== null) {
    const byDigest = producers.byDigest.get(digestKeyOf(ref.name, ref.digest));
    if (byDigest) return byDigest[0];
  }
  const tag = effectiveTag(ref);
  if (tag === null) return undefined;
  const byTag = producers.byTag.get(tagKeyOf(ref.name, tag));
  return byTag?.[0];
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
