import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { RestackError } from '@restack/core';
import { earliestDay } from './dates.js';
import {
  builtInDeprecationsSchema,
  catalogIndexSchema,
  productDataSchema,
  type BuiltInDeprecation,
  type ProductData,
  type ReleaseCycle,
} from './schema.js';

/** Where the bundled data lives: `shared/eol/data`, next to `dist`. */
export const BUNDLED_DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url));

/** The end-of-life catalog, validated. */
export interface Catalog {
  /** The oldest product `dataDate` among products that are not discontinued. */
  readonly dataDate: string;
  readonly products: ReadonlyMap<string, ProductData>;
  readonly deprecations: readonly BuiltInDeprecation[];
  /** The folder it was read from. */
  readonly dir: string;
}

/** Reads and validates `catalog.json`, every product file and the built-in deprecations. */
export async function loadCatalog(dir: string = BUNDLED_DATA_DIR): Promise<Catalog> {
  const index = await readJson(path.join(dir, 'catalog.json'), catalogIndexSchema);
  const products = new Map<string, ProductData>();
  for (const entry of index.products) {
    const file = path.join(dir, entry.file);
    const data = await readJson(file, productDataSchema);
    if (data.product !== entry.product) {
      throw dataError(
        `the file describes "${data.product}", but catalog.json lists it as "${entry.product}"`,
        file,
      );
    }
    products.set(data.product, data);
  }
  const expected = catalogDataDate([...products.values()]);
  if (expected !== index.dataDate) {
    throw dataError(
      `catalog.json says the data is from ${index.dataDate}, but its products say ${expected}`,
      path.join(dir, 'catalog.json'),
    );
  }
  const { deprecations } = await readJson(
    path.join(dir, 'deprecations.json'),
    builtInDeprecationsSchema,
  );
  return { dataDate: index.dataDate, products, deprecations, dir };
}

/**
 * The catalog's date: the oldest `dataDate` of products that can still
 * change. Discontinued products (every cycle ended) do not hold it back.
 */
export function catalogDataDate(products: readonly ProductData[]): string {
  const living = products.filter((p) => !p.discontinued).map((p) => p.dataDate);
  const dates = living.length > 0 ? living : products.map((p) => p.dataDate);
  const earliest = earliestDay(dates);
  if (earliest === null) throw dataError('the catalog lists no products', 'catalog.json');
  return earliest;
}

export type CycleMatch =
  | { readonly found: true; readonly cycle: ReleaseCycle }
  | { readonly found: false; readonly cycle: string | null; readonly reason: string };

/**
 * Finds the release cycle a version belongs to: the longest leading part of
 * the version that names a cycle (`18.20.1` -> `18`, `3.12.4` -> `3.12`,
 * `9.6.24` -> `9.6`). A version shorter than the product's cycles
 * (`python:3`) names no cycle: such tags move, so no cycle is guessed.
 */
export function findCycle(product: ProductData, version: string, dataDate: string): CycleMatch {
  const parts = version.split('.');
  for (let n = parts.length; n >= 1; n--) {
    const candidate = parts.slice(0, n).join('.');
    const cycle = product.releases.find((r) => r.cycle === candidate);
    if (cycle) return { found: true, cycle };
  }
  const depth = cycleDepth(product);
  if (parts.length < depth) {
    return {
      found: false,
      cycle: null,
      reason: `version ${version} does not pin a ${product.product} release cycle (the tag moves)`,
    };
  }
  const cycle = parts.slice(0, depth).join('.');
  return {
    found: false,
    cycle,
    reason: `${product.product} ${cycle} is not in the end-of-life data (data as of ${dataDate}); run "restack eol refresh"`,
  };
}

/** How many dot-separated parts the product's newest cycle has (`3.13` -> 2, `23` -> 1). */
function cycleDepth(product: ProductData): number {
  const newest = [...product.releases].sort((a, b) =>
    (b.releaseDate ?? '').localeCompare(a.releaseDate ?? ''),
  )[0];
  return newest ? newest.cycle.split('.').length : 1;
}

async function readJson<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new RestackError(
      'eol.data-unreadable',
      `cannot read end-of-life data: ${(cause as Error).message}`,
      {
        where: file,
        cause,
        fix: 'reinstall restack, or run "restack eol refresh" to rewrite the data files',
      },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw dataError(`invalid JSON: ${(cause as Error).message}`, file, cause);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const at = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw dataError(`invalid end-of-life data${at}: ${issue?.message ?? 'unknown problem'}`, file);
  }
  return result.data;
}

function dataError(message: string, where: string, cause?: unknown): RestackError {
  return new RestackError('eol.data-invalid', message, {
    where,
    cause,
    fix: 'restore the bundled data files, or run "restack eol refresh" to rewrite them',
  });
}
