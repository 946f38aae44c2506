import type { Graph } from './types.js';

/** The JSON `restack graph` prints and `GET /api/graph` serves. */
export function graphJson(graph: Graph) {
  return {
    nodes: graph.nodes.map((n) => ({
      dockerfile: n.dockerfile,
      images: n.images.map((i) => ({ name: i.name, tags: i.tags, source: i.source, file: i.file })),
    })),
    edges: graph.edges,
    external: graph.external,
    errors: graph.errors,
  };
}

/** Graphviz DOT: Dockerfiles as boxes, external references as ellipses. */
export function graphDot(graph: Graph): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = ['digraph restack {', '  rankdir=LR;', '  node [shape=box];'];
  for (const n of graph.nodes) {
    const label = [n.dockerfile, ...n.images.map((i) => `${i.name}:${i.tags.join(',')}`)].join(
      '\\n',
    );
    lines.push(`  ${q(n.dockerfile)} [label=${q(label).replace(/\\\\n/g, '\\n')}];`);
  }
  for (const x of graph.external) {
    lines.push(`  ${q(x.ref)} [shape=ellipse, style=dashed];`);
    for (const d of x.dependents) lines.push(`  ${q(x.ref)} -> ${q(d)};`);
  }
  for (const e of graph.edges) lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(e.kind)}];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Mermaid flowchart, for Markdown pages that render it. */
export function graphMermaid(graph: Graph): string {
  const ids = new Map<string, string>();
  const id = (key: string) => {
    let v = ids.get(key);
    if (!v) ids.set(key, (v = `n${ids.size}`));
    return v;
  };
  const label = (s: string) => `"${s.replace(/"/g, '#quot;')}"`;
  const lines = ['flowchart LR'];
  for (const n of graph.nodes) lines.push(`  ${id(n.dockerfile)}[${label(n.dockerfile)}]`);
  for (const x of graph.external) {
    lines.push(`  ${id(x.ref)}([${label(x.ref)}])`);
    for (const d of x.dependents) lines.push(`  ${id(x.ref)} --> ${id(d)}`);
  }
  for (const e of graph.edges) lines.push(`  ${id(e.from)} -->|${e.kind}| ${id(e.to)}`);
  return lines.join('\n') + '\n';
}
