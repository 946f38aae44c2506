import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isRestackError } from '@restack/core';
import {
  BUNDLED_DATA_DIR,
  evaluateReference,
  loadCatalog,
  refreshCatalog,
  type Catalog,
  type ReleaseCycle,
} from './index.js';

const NOW = new Date('2026-05-01T08:00:00Z');

/** An API v1 ProductResponse, as documented at https://endoflife.date/docs/api/v1/. */
function v1Document(name: string, label: string, releases: readonly ReleaseCycle[]) {
  const today = '2026-05-01';
  return {
    schema_version: '1.2.0',
    generated_at: '2026-05-01T00:00:00+00:00',
    last_modified: '2026-04-28T10:00:00+00:00',
    result: {
      name,
      aliases: [],
      label,
      category: 'lang',
      tags: ['lang'],
      versionCommand: null,
      identifiers: [],
      labels: { eoas: null, discontinued: null, eol: 'Security Support', eoes: null },
      links: { icon: null, html: `https://endoflife.date/${name}`, releasePolicy: null },
      releases: releases.map((r) => ({
        name: r.cycle,
        codename: r.codename ?? null,
        label: r.cycle,
        releaseDate: r.releaseDate,
        isLts: r.lts !== false,
        ltsFrom: typeof r.lts === 'string' ? r.lts : null,
        isEol: r.eol === true || (typeof r.eol === 'string' && r.eol <= today),
        eolFrom: typeof r.eol === 'string' ? r.eol : null,
        isMaintained: !(r.eol === true || (typeof r.eol === 'string' && r.eol <= today)),
        latest: null,
        custom: null,
      })),
    },
  };
}

type Handler = (url: string) => { status: number; body?: unknown };

/** A local stand-in for endoflife.date; each test sets how it answers. */
let handler: Handler;
let server: Server;
let baseUrl: string;
let bundled: Catalog;
let work: string;

before(async () => {
  bundled = await loadCatalog();
  server = createServer((req, res) => {
    const answer = handler(req.url ?? '/');
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body === undefined ? '{"message":"Not Found"}' : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  work = await mkdtemp(path.join(tmpdir(), 'restack-eol-refresh-'));
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(work, { recursive: true, force: true });
});

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(work, 'data-'));
  await cp(BUNDLED_DATA_DIR, dataDir, { recursive: true });
});

/** Serves every product from the bundled data, with Node.js 24 added; httpd only through API v0. */
function upstream(url: string): { status: number; body?: unknown } {
  const v1 = /^\/api\/v1\/products\/([a-z0-9-]+)$/.exec(url);
  if (v1) {
    const product = [...bundled.products.values()].find((p) => p.source.endoflifeProduct === v1[1]);
    if (!product || product.product === 'apache-http-server') return { status: 404 };
    const releases =
      product.product === 'nodejs'
        ? [
            { cycle: '24', releaseDate: '2025-05-06', eol: '2028-04-30', lts: '2025-10-28' },
            ...product.releases,
          ]
        : product.releases;
    return { status: 200, body: v1Document(v1[1]!, product.label, releases) };
  }
  if (url === '/api/apache-http-server.json') {
    return {
      status: 200,
      body: [
        { cycle: '2.4', releaseDate: '2012-02-21', eol: false, latest: '2.4.66', link: null },
        { cycle: 2.2, releaseDate: '2005-12-01', eol: '2017-07-11', latest: '2.2.34' },
      ],
    };
  }
  return { status: 404 };
}

async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, file), await readFile(file, 'utf8'));
  }
  return files;
}

async function errorOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (e) {
    if (isRestackError(e)) return e;
    throw e;
  }
  assert.fail('expected an error');
}

describe('refreshCatalog', () => {
  it('rewrites the data from API v1, falls back to the older API, and dates it', async () => {
    handler = upstream;
    const result = await refreshCatalog({ now: NOW, dataDir, baseUrl });
    assert.equal(result.dataDate, '2026-05-01');
    assert.equal(result.previousDataDate, bundled.dataDate);
    assert.equal(result.products.length, bundled.products.size);
    assert.equal(result.products.find((p) => p.product === 'apache-http-server')?.api, 'v0');
    assert.equal(result.products.find((p) => p.product === 'nodejs')?.api, 'v1');

    const refreshed = await loadCatalog(dataDir);
    assert.equal(refreshed.dataDate, '2026-05-01');
    const node = refreshed.products.get('nodejs')!;
    assert.equal(node.source.kind, 'api-v1');
    assert.equal(node.source.dataDateBasis, 'fetched');
    assert.equal(node.source.lastModified, '2026-04-28T10:00:00+00:00');
    assert.equal(node.label, 'Node.js');
    assert.deepEqual(node.releases[0], {
      cycle: '24',
      releaseDate: '2025-05-06',
      eol: '2028-04-30',
      lts: '2025-10-28',
    });
    assert.equal(
      refreshed.products.get('debian')?.releases.find((r) => r.cycle === '12')?.codename,
      'Bookworm',
    );
    assert.deepEqual(refreshed.products.get('apache-http-server')?.releases[1], {
      cycle: '2.2',
      releaseDate: '2005-12-01',
      eol: '2017-07-11',
      lts: false,
    });

    // What was unknown before the refresh is now evaluated.
    const before = evaluateReference('node:24-bookworm-slim', { catalog: bundled, now: NOW });
    const afterRefresh = evaluateReference('node:24-bookworm-slim', {
      catalog: refreshed,
      now: NOW,
    });
    assert.equal(before.products[0]?.state, 'unknown');
    assert.equal(afterRefresh.products[0]?.eol, '2028-04-30');
    assert.equal(afterRefresh.dataDate, '2026-05-01');
  });

  it('fails clearly when offline and leaves the data untouched', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const before = await snapshot(dataDir);
    const e = await errorOf(
      refreshCatalog({ now: NOW, dataDir, baseUrl: `http://127.0.0.1:${port}` }),
    );
    assert.equal(e.code, 'eol.refresh-unreachable');
    assert.match(e.message, /cannot reach endoflife\.date \(ECONNREFUSED\)/);
    assert.match(e.message, new RegExp(`data from ${bundled.dataDate} was left unchanged`));
    assert.match(e.fix ?? '', /network access/);
    assert.deepEqual(await snapshot(dataDir), before);
  });

  it('writes nothing when one product fails after others succeeded', async () => {
    handler = (url) => (url === '/api/v1/products/redis' ? { status: 503 } : upstream(url));
    const before = await snapshot(dataDir);
    const e = await errorOf(refreshCatalog({ now: NOW, dataDir, baseUrl }));
    assert.equal(e.code, 'eol.refresh-http');
    assert.equal(e.where, `${baseUrl}/api/v1/products/redis`);
    assert.deepEqual(await snapshot(dataDir), before);
  });

  it('rejects a response of the wrong shape', async () => {
    handler = (url) =>
      url === '/api/v1/products/go'
        ? { status: 200, body: { result: { releases: 'none' } } }
        : upstream(url);
    const before = await snapshot(dataDir);
    const e = await errorOf(refreshCatalog({ now: NOW, dataDir, baseUrl }));
    assert.equal(e.code, 'eol.refresh-invalid');
    assert.match(e.message, /schema_version/);
    assert.deepEqual(await snapshot(dataDir), before);
  });
});
