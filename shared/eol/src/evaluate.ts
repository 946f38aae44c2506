import type { Catalog } from './catalog.js';
import { findCycle } from './catalog.js';
import { daysSince, isoDay } from './dates.js';
import { findDeprecation, type DeprecationMatch } from './deprecations.js';
import { mapReference } from './rules.js';
import { defaultLifecycleConfig } from './config.js';
import type { LifecycleConfig } from './schema.js';
import type { CyclePart } from './tag.js';

/**
 * Status of one reference. When several apply, the most urgent wins:
 * `eol` > `deprecated` > `eol-soon` > `ok` > `unknown`. So a deprecated
 * repository whose product is already past end of life reports `eol`, and a
 * product that is fine reports `ok` even if another part of the tag could
 * not be read (the reason and notes say so).
 */
export const EOL_STATUSES = ['eol', 'deprecated', 'eol-soon', 'ok', 'unknown'] as const;
export type EolStatus = (typeof EOL_STATUSES)[number];

export type ProductState = 'eol' | 'eol-soon' | 'ok' | 'unknown';

export interface ProductEvaluation {
  readonly product: string;
  readonly cycle: string | null;
  /** End-of-life date (`YYYY-MM-DD`), or null when none is known. */
  readonly eol: string | null;
  /** Days since `eol` (negative when it is ahead), or null without a date. */
  readonly daysPastEol: number | null;
  readonly state: ProductState;
  /** The part of the tag the product was read from. */
  readonly from: string;
  /** The date of this product's data, or null when the catalog has no such product. */
  readonly dataDate: string | null;
  readonly note: string | null;
}

export interface EolEvaluation {
  readonly reference: string;
  readonly normalized: string | null;
  readonly upstream: string | null;
  readonly status: EolStatus;
  readonly products: readonly ProductEvaluation[];
  readonly replacement: string | null;
  readonly reason: string;
  readonly deprecation: DeprecationMatch | null;
  readonly notes: readonly string[];
  /** The catalog's data date, always shown with results. */
  readonly dataDate: string;
  readonly evaluatedOn: string;
}

export interface EvaluateOptions {
  readonly catalog: Catalog;
  /** The injected clock's current time. */
  readonly now: Date;
  readonly config?: LifecycleConfig;
}

/** Evaluates one image reference against the catalog at `now`. */
export function evaluateReference(reference: string, options: EvaluateOptions): EolEvaluation {
  const { catalog, now } = options;
  const config = options.config ?? defaultLifecycleConfig();
  const mapping = mapReference(reference, { catalog, mirrors: config.mirrors });
  const products = mapping.parts.map((part) =>
    evaluatePart(part, catalog, now, config.eolLookaheadDays),
  );
  const deprecation = findDeprecation(mapping.refs, config.deprecations, catalog.deprecations);

  const present = new Set<EolStatus>(products.map((p) => p.state));
  if (deprecation) present.add('deprecated');
  const status = EOL_STATUSES.find((s) => present.has(s)) ?? 'unknown';

  return {
    reference,
    normalized: mapping.normalized,
    upstream: mapping.upstream,
    status,
    products,
    replacement: deprecation?.replacement ?? null,
    reason: explain(status, products, deprecation, mapping.reason, mapping.notes),
    deprecation,
    notes: mapping.notes,
    dataDate: catalog.dataDate,
    evaluatedOn: isoDay(now),
  };
}

function evaluatePart(
  part: CyclePart,
  catalog: Catalog,
  now: Date,
  lookahead: number,
): ProductEvaluation {
  const data = catalog.products.get(part.product);
  const result = (fields: Omit<ProductEvaluation, 'product' | 'from' | 'dataDate'>) => ({
    product: part.product,
    from: part.from,
    dataDate: data?.dataDate ?? null,
    ...fields,
  });
  const unknown = (cycle: string | null, note: string) =>
    result({ cycle, eol: null, daysPastEol: null, state: 'unknown', note });

  if (!data) return unknown(part.version, `${part.product} is not in the end-of-life catalog`);
  if (part.version === null) {
    return unknown(null, part.note ?? `the tag gives no ${part.product} version`);
  }
  const match = findCycle(data, part.version, data.dataDate);
  if (!match.found) return unknown(match.cycle, match.reason);

  const { cycle, eol } = match.cycle;
  if (eol === true) {
    return result({
      cycle,
      eol: null,
      daysPastEol: null,
      state: 'eol',
      note: 'end of life, date not recorded',
    });
  }
  if (eol === false) {
    return result({
      cycle,
      eol: null,
      daysPastEol: null,
      state: 'ok',
      note: 'no end-of-life date announced',
    });
  }
  const days = daysSince(eol, now);
  // The end-of-life day itself counts as end of life; "soon" is 1..lookahead days ahead.
  const state: ProductState = days >= 0 ? 'eol' : -days <= lookahead ? 'eol-soon' : 'ok';
  return result({ cycle, eol, daysPastEol: days, state, note: null });
}

/** One sentence per fact that matters, the ones deciding the status first. */
function explain(
  status: EolStatus,
  products: readonly ProductEvaluation[],
  deprecation: DeprecationMatch | null,
  mappingReason: string | null,
  notes: readonly string[],
): string {
  const sentences: string[] = [];
  for (const p of products.filter((x) => x.state === 'eol')) sentences.push(describeEol(p));
  if (deprecation) sentences.push(deprecation.reason);
  for (const p of products.filter((x) => x.state === 'eol-soon')) {
    sentences.push(
      `${p.product} ${p.cycle} reaches end of life on ${p.eol} (in ${-(p.daysPastEol ?? 0)} days)`,
    );
  }
  if (status === 'ok') {
    for (const p of products.filter((x) => x.state === 'ok')) {
      sentences.push(
        p.eol
          ? `${p.product} ${p.cycle} is supported until ${p.eol}`
          : `${p.product} ${p.cycle}: ${p.note}`,
      );
    }
  }
  for (const p of products.filter((x) => x.state === 'unknown'))
    sentences.push(p.note ?? `${p.product}: unknown`);
  if (mappingReason) sentences.push(mappingReason);
  if (sentences.length === 0) sentences.push(...notes);
  if (sentences.length === 0) sentences.push('nothing in the reference could be evaluated');
  return sentences.join('; ');
}

function describeEol(p: ProductEvaluation): string {
  if (p.eol === null) return `${p.product} ${p.cycle} has reached end of life`;
  const ago = p.daysPastEol === 0 ? 'today' : `${p.daysPastEol} days ago`;
  return `${p.product} ${p.cycle} reached end of life on ${p.eol} (${ago})`;
}
