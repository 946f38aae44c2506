import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RestackError } from '@restack/core';
import { BUNDLED_DATA_DIR, catalogDataDate, loadCatalog } from './catalog.js';
import { isoDay } from './dates.js';
import {
  apiV0CycleListSchema,
  apiV1ProductResponseSchema,
  productDataSchema,
  type CatalogIndex,
  type ProductData,
  type ReleaseCycle,
} from './schema.js';

export const ENDOFLIFE_BASE_URL = 'https://endoflife.date';

export interface RefreshOptions {
  /** The injected clock's current time; it becomes the refreshed data's date. */
  readonly now: Date;
  /** The folder holding catalog.json; defaults to the bundled data. */
  readonly dataDir?: string;
  /** Defaults to https://endoflife.date. */
  readonly baseUrl?: string;
  readonly fetch?: typeof globalThis.fetch;
  /** Per request; defaults to 15 seconds. */
  readonly timeoutMs?: number;
}

export interface RefreshedProduct {
  readonly product: string;
  readonly api: 'v1' | 'v0';
  readonly url: string;
  readonly cycles: number;
}

export interface RefreshResult {
  readonly dataDate: string;
  readonly previousDataDate: string;
  readonly products: readonly RefreshedProduct[];
}

/**
 * `restack eol refresh`: fetches every catalog product from endoflife.date
 * (API v1, falling back to the older `/api/<product>.json`) and rewrites the
 * data files. Everything is fetched before anything is written, so a failure
 * (offline, an HTTP error, an unexpected response) leaves the data untouched.
 */
export async function refreshCatalog(options: RefreshOptions): Promise<RefreshResult> {
  const dir = options.dataDir ?? BUNDLED_DATA_DIR;
  const catalog = await loadCatalog(dir);
  const client: Client = {
    base: (options.baseUrl ?? ENDOFLIFE_BASE_URL).replace(/\/+$/, ''),
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.timeoutMs ?? 15_000,
    dataDate: catalog.dataDate,
  };
  const refreshed: { data: ProductData; summary: RefreshedProduct }[] = [];
  for (const product of catalog.products.values()) {
    refreshed.push(await fetchProduct(product, client, options.now));
  }

  for (const { data } of refreshed)
    await writeJson(path.join(dir, 'products', `${data.product}.json`), data);
  const index: CatalogIndex = {
    schemaVersion: 1,
    source: ENDOFLIFE_BASE_URL,
    dataDate: catalogDataDate(refreshed.map((r) => r.data)),
    products: refreshed.map((r) => ({
      product: r.data.product,
      file: `products/${r.data.product}.json`,
    })),
  };
  await writeJson(path.join(dir, 'catalog.json'), index);
  return {
    dataDate: index.dataDate,
    previousDataDate: catalog.dataDate,
    products: refreshed.map((r) => r.summary),
  };
}

interface Client {
  readonly base: string;
  readonly fetch: typeof globalThis.fetch;
  readonly timeoutMs: number;
  /** The date of the data in use, for error messages. */
  readonly dataDate: string;
}

async function fetchProduct(current: ProductData, client: Client, now: Date) {
  const name = current.source.endoflifeProduct;
  const v1Url = `${client.base}/api/v1/products/${encodeURIComponent(name)}`;
  const v1 = await get(v1Url, client);
  let v1Problem: string | null = null;
  if (v1.status === 200) {
    const parsed = apiV1ProductResponseSchema.safeParse(v1.body);
    if (parsed.success) {
      const releases = parsed.data.result.releases.map((r): ReleaseCycle => ({
        cycle: r.name,
        releaseDate: r.releaseDate ?? null,
        eol: r.eolFrom ?? r.isEol,
        lts: r.isLts ? (r.ltsFrom ?? true) : false,
        ...(r.codename ? { codename: r.codename } : {}),
      }));
      const source = {
        kind: 'api-v1' as const,
        endoflifeProduct: name,
        url: v1Url,
        dataDateBasis: 'fetched' as const,
      };
      const lastModified = parsed.data.last_modified;
      const data = build(
        current,
        releases,
        lastModified ? { ...source, lastModified } : source,
        now,
        v1Url,
      );
      return {
        data,
        summary: {
          product: current.product,
          api: 'v1' as const,
          url: v1Url,
          cycles: releases.length,
        },
      };
    }
    v1Problem = describeIssue(parsed.error.issues[0]);
  } else if (v1.status !== 404) {
    throw httpError(v1Url, v1.status, client);
  }

  // The API v0 shape: GET /api/<product>.json returns an array of cycles.
  const v0Url = `${client.base}/api/${encodeURIComponent(name)}.json`;
  const v0 = await get(v0Url, client);
  if (v0.status !== 200) {
    if (v1Problem) throw invalidResponse(v1Url, v1Problem, client);
    throw httpError(v0Url, v0.status, client);
  }
  const parsed = apiV0CycleListSchema.safeParse(v0.body);
  if (!parsed.success) throw invalidResponse(v0Url, describeIssue(parsed.error.issues[0]), client);
  const releases = parsed.data.map((c): ReleaseCycle => ({
    cycle: String(c.cycle),
    releaseDate: c.releaseDate ?? null,
    eol: c.eol,
    lts: c.lts ?? false,
    ...(c.codename ? { codename: c.codename } : {}),
  }));
  const source = {
    kind: 'api-v0' as const,
    endoflifeProduct: name,
    url: v0Url,
    dataDateBasis: 'fetched' as const,
  };
  const data = build(current, releases, source, now, v0Url);
  return {
    data,
    summary: { product: current.product, api: 'v0' as const, url: v0Url, cycles: releases.length },
  };
}

/** The new product record, validated like the bundled data is. */
function build(
  current: ProductData,
  releases: ReleaseCycle[],
  source: ProductData['source'],
  now: Date,
  url: string,
): ProductData {
  const candidate = {
    product: current.product,
    label: current.label,
    discontinued: current.discontinued,
    dataDate: isoDay(now),
    source,
    releases,
  };
  const result = productDataSchema.safeParse(candidate);
  if (!result.success) {
    throw invalidResponse(url, describeIssue(result.error.issues[0]), {
      dataDate: current.dataDate,
    });
  }
  return result.data;
}

async function get(url: string, client: Client): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await client.fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(client.timeoutMs),
    });
  } catch (cause) {
    const detail = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).message;
    throw new RestackError(
      'eol.refresh-unreachable',
      `cannot reach endoflife.date (${detail}); the end-of-life data from ${client.dataDate} was left unchanged`,
      {
        where: url,
        cause,
        fix: 'run "restack eol refresh" again with network access to endoflife.date; until then the bundled data stays in use',
      },
    );
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    return { status: response.status, body: null };
  }
  try {
    return { status: 200, body: await response.json() };
  } catch (cause) {
    throw invalidResponse(url, `the body is not JSON (${(cause as Error).message})`, client);
  }
}

function httpError(url: string, status: number, client: Pick<Client, 'dataDate'>): RestackError {
  return new RestackError(
    'eol.refresh-http',
    `endoflife.date answered HTTP ${status}; the end-of-life data from ${client.dataDate} was left unchanged`,
    {
      where: url,
      fix: 'try again later; if the product was renamed on endoflife.date, update source.endoflifeProduct in its data file',
    },
  );
}

function invalidResponse(
  url: string,
  problem: string,
  client: Pick<Client, 'dataDate'>,
): RestackError {
  return new RestackError(
    'eol.refresh-invalid',
    `unexpected endoflife.date response: ${problem}; the end-of-life data from ${client.dataDate} was left unchanged`,
    {
      where: url,
      fix: 'the API may have changed; report it with the URL above',
    },
  );
}

function describeIssue(issue: { path: PropertyKey[]; message: string } | undefined): string {
  if (!issue) return 'unknown problem';
  return issue.path.length > 0
    ? `${issue.path.map(String).join('.')}: ${issue.message}`
    : issue.message;
}

/** Writes beside the target and renames, so a reader never sees half a file. */
async function writeJson(file: string, value: unknown): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  // JSON.stringify's layout is what prettier keeps for these shapes (no arrays of scalars).
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, 'utf8');
  await rename(temporary, file);
}
