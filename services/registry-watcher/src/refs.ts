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
  const parsed = parsedWatched(ref);
  if (!parsed.ok || parsed.ref.name !== name) return false;
  return tag === null || parsed.ref.tag === tag;
}

// A webhook is matched against every watched reference: parse each once, not once per webhook.
const parsedRefs = new Map<string, ReturnType<typeof parseReference>>();
function parsedWatched(ref: string): ReturnType<typeof parseReference> {
  let parsed = parsedRefs.get(ref);
  if (!parsed) {
    if (parsedRefs.size >= 100_000) parsedRefs.clear();
    parsed = parseReference(ref);
    parsedRefs.set(ref, parsed);
  }
  return parsed;
}

// The watched list by repository name, per list (the watcher keeps one array until it refreshes).
const byNameCache = new WeakMap<readonly string[], Map<string, string[]>>();

/** The watched references of repository `name`, without parsing or scanning the whole list per webhook. */
export function watchedNamed(refs: readonly string[], name: string): readonly string[] {
  let byName = byNameCache.get(refs);
  if (!byName) {
    byName = new Map();
    for (const ref of refs) {
      const parsed = parsedWatched(ref);
      if (!parsed.ok) continue;
      const list = byName.get(parsed.ref.name) ?? [];
      list.push(ref);
      byName.set(parsed.ref.name, list);
    }
    byNameCache.set(refs, byName);
  }
  return byName.get(name) ?? [];
}
