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
  function mostUrgent(bases: string[], now: Date): EolView | null {
    if (!deps.catalog || bases.length === 0) return null;
    const catalog = deps.catalog;
    const evaluations = bases.map((b) => evaluateReference(b, { catalog, now }));
    evaluations.sort((a, b) => URGENCY.indexOf(a.status) - URGENCY.indexOf(b.status));
    return eolView(evaluations[0]!);
  }

  async function images(): Promise<ImageView[]> {
    const graph = await deps.graph.graph();
    const now = deps.now();
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
          ageDays: builtAt ? Math.max(0, Math.floor((now.getTime() - Date.parse(builtAt)) / DAY_MS)) : null,
          bases,
          eol: mostUrgent(bases, now),
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
