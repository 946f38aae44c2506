import { evaluateReference, type Catalog, type EolEvaluation } from '@restack/eol';
import type { ImageProjection } from './image-projection.js';
import type { GraphSource, ImageSource } from './ports.js';
import type { DeprecatedReport, EolView, GraphView, ImageView } from './views.js';

const URGENCY = ['eol', 'deprecated', 'eol-soon', 'ok', 'unknown'];
const REPORTED = new Set(['eol', 'deprecated', 'eol-soon']);
const DAY_MS = 86_400_000;

export interface ImageSourceDeps {
  graph: GraphSource;
  facts: ImageProjection;
  /** The bundled end-of-life catalog; null leaves every eol field null. */
  catalog: Catalog | null;
  now: () => Date;
}

/** Every image reference a Dockerfile is built on: catalog parents and external roots. */
export function basesOf(graph: GraphView, dockerfile: string): string[] {
  const refs = new Set<string>();
  for (const e of graph.edges) if (e.to === dockerfile) refs.add(e.ref);
  for (const x of graph.external) if (x.dependents.includes(dockerfile)) refs.add(x.ref);
  return [...refs].sort();
}

function eolView(e: EolEvaluation): EolView {
  const product = e.products.find((p) => p.state === e.status) ?? e.products[0];
  return {
    reference: e.reference,
    status: e.status,
    eolDate: product?.eol ?? null,
    replacement: e.replacement,
    reason: e.reason,
  };
}

/** Images with the facts the events gave and the EOL state of their bases. */
export function createImageSource(deps: ImageSourceDeps): ImageSource {
  /**
   * The most urgent state among a Dockerfile's bases. A catalog base passes
   * on its own state: an image on platform/debian is on whatever Debian that is.
   */
  function eolFor(graph: GraphView, now: Date): (dockerfile: string) => EolView | null {
    const memo = new Map<string, EolView | null>();
    const catalog = deps.catalog;
    function of(dockerfile: string, seen: Set<string>): EolView | null {
      if (memo.has(dockerfile)) return memo.get(dockerfile)!;
      if (!catalog || seen.has(dockerfile)) return null;
      seen.add(dockerfile);
      const views: EolView[] = [];
      for (const x of graph.external) {
        if (x.dependents.includes(dockerfile))
          views.push(eolView(evaluateReference(x.ref, { catalog, now })));
      }
      for (const e of graph.edges) {
        if (e.to !== dockerfile || e.from === dockerfile) continue;
        const inherited = of(e.from, seen);
        if (inherited) views.push(inherited);
      }
      views.sort((a, b) => URGENCY.indexOf(a.status) - URGENCY.indexOf(b.status));
      const result = views[0] ?? null;
      memo.set(dockerfile, result);
      return result;
    }
    return (dockerfile) => of(dockerfile, new Set());
  }

  async function images(): Promise<ImageView[]> {
    const graph = await deps.graph.graph();
    const now = deps.now();
    const eol = eolFor(graph, now);
    const out: ImageView[] = [];
    for (const node of graph.nodes) {
      const bases = basesOf(graph, node.dockerfile);
      for (const image of node.images) {
        const f = deps.facts.facts(image.name);
        const builtAt = f.builtAt;
        out.push({
          name: image.name,
          tags: image.tags,
          dockerfile: node.dockerfile,
          digest: f.digest,
          builtAt,
          ageDays: builtAt
            ? Math.max(0, Math.floor((now.getTime() - Date.parse(builtAt)) / DAY_MS))
            : null,
          bases,
          eol: eol(node.dockerfile),
          lastRebuild: f.lastRebuild,
        });
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async function deprecated(): Promise<DeprecatedReport> {
    const rows: DeprecatedReport['images'] = [];
    for (const image of await images()) {
      const verdict = deps.facts.facts(image.name).deprecated;
      if (image.eol && REPORTED.has(image.eol.status)) {
        rows.push({
          name: image.name,
          dockerfile: image.dockerfile,
          base: image.eol.reference,
          status: image.eol.status,
          eolDate: image.eol.eolDate ?? verdict?.eolDate ?? null,
          replacement: image.eol.replacement,
          reason: image.eol.reason,
          ageDays: image.ageDays,
        });
      } else if (verdict) {
        // The lifecycle service knows more than the bundled catalog (organisation rules).
        rows.push({
          name: image.name,
          dockerfile: image.dockerfile,
          base: verdict.base,
          status: 'deprecated',
          eolDate: verdict.eolDate,
          replacement: null,
          reason: verdict.reason,
          ageDays: image.ageDays,
        });
      }
    }
    return { generatedAt: deps.now().toISOString(), images: rows };
  }

  return { images, deprecated };
}
