import type { ImageReference } from '@restack/reference';
import { compare } from './build.js';
import { refMatches } from './plan.js';
import type { Graph } from './types.js';

/** Dockerfiles that use `ref` directly, and every Dockerfile below them. */
export function dependentsOf(
  graph: Graph,
  ref: ImageReference,
): { direct: string[]; transitive: string[] } {
  const direct = new Set<string>();
  for (const [dockerfile, deps] of graph.dependencies) {
    if (deps.some((d) => d.ref && refMatches(ref, d.ref))) direct.add(dockerfile);
  }
  const children = new Map<string, string[]>();
  for (const e of graph.edges)
    (children.get(e.from) ?? children.set(e.from, []).get(e.from)!).push(e.to);
  const seen = new Set(direct);
  const queue = [...direct];
  for (let i = 0; i < queue.length; i++) {
    for (const c of children.get(queue[i]!) ?? []) {
      if (seen.has(c)) continue;
      seen.add(c);
      queue.push(c);
    }
  }
  return {
    direct: [...direct].sort(compare),
    transitive: [...seen].filter((d) => !direct.has(d)).sort(compare),
  };
}
