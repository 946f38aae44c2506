import {
  evaluateReference,
  EOL_STATUSES,
  type Catalog,
  type EolStatus,
  type LifecycleConfig,
} from '@restack/eol';
import { formatReference } from '@restack/reference';
import type { GraphDependencies, SourceLayout } from './layout.js';
import { owningRepository } from './owner.js';

/** One (Dockerfile, reference) of the deprecated-image report, in the order the JSON prints it. */
export interface DeprecatedEntry {
  dockerfile: string;
  line: number;
  ref: string;
  status: EolStatus;
  products: Array<{
    product: string;
    cycle: string | null;
    eol: string | null;
    daysPastEol: number | null;
  }>;
  replacement: string | null;
  reason: string;
  /** The top folder of the source (or git repository) holding the Dockerfile. */
  repository: string | null;
  kind: 'from' | 'copy' | 'mount';
  /** The earliest end-of-life date that has passed, or null. */
  since: string | null;
  /** The end-of-life catalog's data date: how old the data behind the status is. */
  dataDate: string;
}

export interface DeprecatedReportOptions {
  catalog: Catalog;
  now: Date;
  lifecycle?: LifecycleConfig;
}

/** Every (Dockerfile, reference) of the graph with its end-of-life status at `now`. */
export function deprecatedReport(
  layout: SourceLayout,
  graph: GraphDependencies,
  options: DeprecatedReportOptions,
): DeprecatedEntry[] {
  const entries: DeprecatedEntry[] = [];
  for (const [dockerfile, deps] of [...graph.dependencies].sort(([a], [b]) => a.localeCompare(b))) {
    const seen = new Set<string>();
    const repository = owningRepository(layout, dockerfile);
    for (const dep of [...deps].sort((a, b) => a.line - b.line)) {
      if (dep.ref === null) continue;
      const ref = formatReference(dep.ref);
      if (seen.has(ref)) continue;
      seen.add(ref);
      const e = evaluateReference(ref, {
        catalog: options.catalog,
        now: options.now,
        ...(options.lifecycle ? { config: options.lifecycle } : {}),
      });
      const past = e.products.filter((p) => p.state === 'eol' && p.eol !== null).map((p) => p.eol!);
      entries.push({
        dockerfile,
        line: dep.line,
        ref,
        status: e.status,
        products: e.products.map((p) => ({
          product: p.product,
          cycle: p.cycle,
          eol: p.eol,
          daysPastEol: p.daysPastEol,
        })),
        replacement: e.replacement,
        reason: e.reason,
        repository,
        kind: dep.kind,
        since: past.length ? [...past].sort()[0]! : null,
        dataDate: e.dataDate,
      });
    }
  }
  return entries;
}

/** Most urgent first (eol, deprecated, eol-soon, ok, unknown), then by Dockerfile and line. */
export function byUrgency(a: DeprecatedEntry, b: DeprecatedEntry): number {
  return (
    EOL_STATUSES.indexOf(a.status) - EOL_STATUSES.indexOf(b.status) ||
    a.dockerfile.localeCompare(b.dockerfile) ||
    a.line - b.line
  );
}
