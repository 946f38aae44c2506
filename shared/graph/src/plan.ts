import { effectiveTag, formatReference, type ImageReference } from '@restack/reference';
import type { Graph } from './types.js';
import { compare } from './build.js';

/** The JSON `restack plan` prints, and the graph service answers. */
export interface Plan {
  changed: string[];
  waves: string[][];
  unaffected: number;
  errors?: string[];
}

/**
 * Does a dependency written as `dep` move when `changed` moves?
 * A tag matches the same repository and effective tag, with or without a
 * pinned digest (`debian:bookworm` matches `debian:bookworm@sha256:...` but
 * not `debian:bookworm-slim`); a digest matches the same repository and digest.
 */
export function refMatches(changed: ImageReference, dep: ImageReference): boolean {
  if (changed.name !== dep.name) return false;
  const changedTag = changed.tag ?? (changed.digest === null ? effectiveTag(changed) : null);
  if (changedTag !== null && effectiveTag(dep) === changedTag) return true;
  return changed.digest !== null && dep.digest === changed.digest;
}

/**
 * Plans the rebuild waves for a set of changed references. Wave k holds every
 * affected Dockerfile whose longest dependency path from a changed reference
 * has k+1 steps, so each appears once, after all of its affected ancestors.
 */
export function planChange(graph: Graph, changed: ImageReference[]): Plan {
  const { children, byName } = planIndex(graph);
  const direct = new Set<string>();
  for (const c of changed) {
    for (const { dockerfile, ref } of byName.get(c.name) ?? []) {
      if (refMatches(c, ref)) direct.add(dockerfile);
    }
  }

  // Everything reachable from the directly affected Dockerfiles.
  const affected = new Set(direct);
  const queue = [...direct];
  for (let i = 0; i < queue.length; i++) {
    for (const child of children.get(queue[i]!) ?? []) {
      if (!affected.has(child)) {
        affected.add(child);
        queue.push(child);
      }
    }
  }

  // Longest path by Kahn's algorithm over the affected, acyclic subgraph.
  const parents = new Map<string, number>();
  for (const node of affected) parents.set(node, 0);
  for (const node of affected) {
    for (const child of children.get(node) ?? []) {
      if (affected.has(child)) parents.set(child, parents.get(child)! + 1);
    }
  }
  const depth = new Map<string, number>();
  const ready = [...affected].filter((n) => parents.get(n) === 0);
  for (const n of ready) depth.set(n, 0);
  for (let i = 0; i < ready.length; i++) {
    const node = ready[i]!;
    for (const child of children.get(node) ?? []) {
      if (!affected.has(child)) continue;
      depth.set(child, Math.max(depth.get(child) ?? 0, depth.get(node)! + 1));
      const left = parents.get(child)! - 1;
      parents.set(child, left);
      if (left === 0) ready.push(child);
    }
  }

  // A cycle never drains in Kahn's algorithm: its members and everything
  // below them stay unplanned, and the plan says so instead of guessing.
  const errors: string[] = [];
  const inCycle = [...affected].filter((d) => graph.cyclic.has(d)).sort(compare);
  const below = [...affected].filter((d) => !depth.has(d) && !graph.cyclic.has(d)).sort(compare);
  if (inCycle.length) errors.push(`not planned, in a dependency cycle: ${inCycle.join(', ')}`);
  if (below.length)
    errors.push(`not planned, downstream of a dependency cycle: ${below.join(', ')}`);

  const waves: string[][] = [];
  for (const [node, d] of depth) {
    if (graph.cyclic.has(node)) continue;
    (waves[d] ??= []).push(node);
  }
  const plan: Plan = {
    changed: changed.map(formatReference),
    waves: waves.filter((w) => w.length).map((w) => w.sort(compare)),
    unaffected: graph.nodes.length - affected.size,
  };
  if (errors.length) plan.errors = errors;
  return plan;
}

interface PlanIndex {
  /** Dockerfile -> Dockerfiles built on what it produces. */
  children: Map<string, Set<string>>;
  /** Repository name -> the dependencies on it, so a change looks at its own name only. */
  byName: Map<string, Array<{ dockerfile: string; ref: ImageReference }>>;
}

// Graphs are replaced, never changed in place, so an index per graph stays true.
const planIndexes = new WeakMap<Graph, PlanIndex>();

function planIndex(graph: Graph): PlanIndex {
  const cached = planIndexes.get(graph);
  if (cached) return cached;
  const children = new Map<string, Set<string>>();
  for (const e of graph.edges) {
    if (e.from === e.to) continue;
    let set = children.get(e.from);
    if (!set) children.set(e.from, (set = new Set()));
    set.add(e.to);
  }
  const byName = new Map<string, Array<{ dockerfile: string; ref: ImageReference }>>();
  for (const [dockerfile, deps] of graph.dependencies) {
    for (const d of deps) {
      if (!d.ref) continue;
      let list = byName.get(d.ref.name);
      if (!list) byName.set(d.ref.name, (list = []));
      list.push({ dockerfile, ref: d.ref });
    }
  }
  const index = { children, byName };
  planIndexes.set(graph, index);
  return index;
}
