import type { BuildClock } from './age.js';
import { imageSubject, type ImageSubjectPorts } from './image-subject.js';
import { formatReference, parseReference } from '@restack/reference';
import type { GraphCatalog, GraphDependencies, SourceLayout } from './layout.js';
import { owningRepository } from './owner.js';
import type { ImageSubject } from './subject.js';

/** One catalog image of the age report, in the order the JSON prints it. */
export interface AgeEntry {
  image: string;
  digest: string | null;
  builtAt: string | null;
  clock: BuildClock;
  ageDays: number | null;
  baseDriftDays: number | null;
  repository: string | null;
  dockerfile: string;
  base: string | null;
  baseDigest: string | null;
  /** How the drift was measured (`first-seen` history, or estimated from `created`). */
  driftClock: 'first-seen' | 'created' | null;
  /** Why a clock was passed over, why drift is unknown, or why the image could not be read. */
  notes: string[];
}

/** One row of the age report from an image subject. */
export function toAgeEntry(s: ImageSubject, dockerfile: string): AgeEntry {
  return {
    image: s.reference,
    digest: s.facts?.digest ?? null,
    builtAt: s.build?.builtAt ?? null,
    clock: s.build?.clock ?? 'unknown',
    ageDays: s.build?.ageDays ?? null,
    baseDriftDays: s.drift?.driftDays ?? null,
    repository: s.repository,
    dockerfile,
    base: s.drift?.base ?? null,
    baseDigest: s.drift?.baseDigest ?? null,
    driftClock: s.drift?.clock ?? null,
    notes: [
      ...(s.failure ? [s.failure] : []),
      ...(s.build?.clock !== 'created' ? (s.build?.notes ?? []) : []),
      ...(s.drift && s.drift.driftDays === null ? [s.drift.note] : []),
    ],
  };
}

/** The catalog images as `name:tag`, each with the Dockerfile that builds it. */
export function catalogImages(graph: GraphCatalog): Array<{ image: string; dockerfile: string }> {
  return graph.nodes.flatMap((n) =>
    n.images.flatMap((i) =>
      i.tags.map((t) => ({ image: `${i.name}:${t}`, dockerfile: n.dockerfile })),
    ),
  );
}

/** Age and base drift of every catalog image at `now`, one registry read each. */
export async function ageReport(
  layout: SourceLayout,
  graph: GraphCatalog,
  ports: ImageSubjectPorts,
  now: Date,
): Promise<AgeEntry[]> {
  const out: AgeEntry[] = [];
  for (const { image, dockerfile } of catalogImages(graph)) {
    const subject = await imageSubject(image, ports, now, {
      repository: owningRepository(layout, dockerfile),
    });
    out.push(toAgeEntry(subject, dockerfile));
  }
  return out;
}

/**
 * The base tags each catalog image may be built on: the FROM references of
 * its Dockerfile (tags only; a digest pin names the tag it was taken from).
 */
export function catalogBaseRefs(graph: GraphCatalog & GraphDependencies): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const node of graph.nodes) {
    const froms = (graph.dependencies.get(node.dockerfile) ?? [])
      .filter((d) => d.kind === 'from' && d.ref !== null)
      .map((d) => formatReference({ ...d.ref!, digest: null, tag: d.ref!.tag ?? 'latest' }));
    for (const image of node.images) {
      for (const tag of image.tags)
        out.set(normalised(`${image.name}:${tag}`), [...new Set(froms)]);
    }
  }
  return out;
}

function normalised(ref: string): string {
  const parsed = parseReference(ref);
  return parsed.ok ? formatReference(parsed.ref) : ref;
}
