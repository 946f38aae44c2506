import { parseReference } from '@restack/reference';

/**
 * The tag a reference is watched by, `name:tag` fully qualified, or null
 * for a digest-only reference (its content can never move) or invalid text.
 */
export function watchRef(text: string): string | null {
  const parsed = parseReference(text);
  if (!parsed.ok) return null;
  const { name, tag, digest } = parsed.ref;
  if (tag === null && digest !== null) return null;
  return `${name}:${tag ?? 'latest'}`;
}

/** What watchedReferences reads: a Graph, or the graph service's JSON answer. */
export interface WatchedGraph {
  external: ReadonlyArray<{ ref: string }>;
  nodes: ReadonlyArray<{ images: ReadonlyArray<{ name: string; tags: readonly string[] }> }>;
}

/** Every external reference the graph names and every catalog image tag, each once. */
export function watchedReferences(graph: WatchedGraph): string[] {
  const texts = [
    ...graph.external.map((x) => x.ref),
    ...graph.nodes.flatMap((n) => n.images.flatMap((i) => i.tags.map((t) => `${i.name}:${t}`))),
  ];
  return unique(texts);
}

export function unique(texts: readonly string[]): string[] {
  const out = new Set<string>();
  for (const t of texts) {
    const w = watchRef(t);
    if (w !== null) out.add(w);
  }
  return [...out].sort();
}

/** The registry host a watched reference lives on, as `registries:` keys name it. */
export function registryOf(ref: string): string {
  const parsed = parseReference(ref);
  return parsed.ok ? parsed.ref.domain : '';
}

/** Whether a webhook about `name` (and `tag`, when it names one) concerns the watched `ref`. */
export function concerns(ref: string, name: string, tag: string | null): boolean {
  const parsed = parseReference(ref);
  if (!parsed.ok || parsed.ref.name !== name) return false;
  return tag === null || parsed.ref.tag === tag;
}
