import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRestackError } from '@restack/core';
import { BUNDLED_DATA_DIR, findCycle, loadCatalog, type Catalog } from './index.js';

const REQUIRED = [
  'debian',
  'ubuntu',
  'alpine',
  'nodejs',
  'python',
  'php',
  'ruby',
  'go',
  'eclipse-temurin',
  'java',
  'nginx',
  'postgresql',
  'redis',
  'mysql',
  'mariadb',
];

describe('the bundled catalog', () => {
  let catalog: Catalog;
  before(async () => {
    catalog = await loadCatalog();
  });

  it('loads, validates and has every required product', () => {
    for (const product of REQUIRED) assert.ok(catalog.products.has(product), product);
    assert.ok(catalog.products.size >= 20);
  });

  it('has a data date, per product and for the whole catalog', () => {
    assert.match(catalog.dataDate, /^\d{4}-\d{2}-\d{2}$/);
    for (const p of catalog.products.values()) {
      assert.match(p.dataDate, /^\d{4}-\d{2}-\d{2}$/);
      // The catalog is never said to be newer than a product that can still change.
      if (!p.discontinued) assert.ok(p.dataDate >= catalog.dataDate, p.product);
      assert.match(
        p.source.url,
        /^https:\/\/github\.com\/endoflife-date\/endoflife\.date\/blob\/[0-9a-f]{40}\/products\//,
      );
    }
  });

  it('keeps the facts read from endoflife.date', () => {
    const eolOf = (product: string, cycle: string) =>
      catalog.products.get(product)?.releases.find((r) => r.cycle === cycle)?.eol;
    assert.equal(eolOf('debian', '10'), '2022-09-10');
    assert.equal(eolOf('nodejs', '18'), '2025-04-30');
    assert.equal(eolOf('ubuntu', '20.04'), '2025-05-31');
    assert.equal(eolOf('go', '1.24'), false);
    assert.equal(
      catalog.products.get('debian')?.releases.find((r) => r.cycle === '12')?.codename,
      'Bookworm',
    );
  });

  it('finds the cycle of a longer version and refuses a shorter one', () => {
    const cycleOf = (product: string, version: string) => {
      const match = findCycle(catalog.products.get(product)!, version, catalog.dataDate);
      return match.found ? match.cycle.cycle : null;
    };
    assert.equal(cycleOf('nodejs', '18.20.1'), '18');
    assert.equal(cycleOf('python', '3.12.4'), '3.12');
    assert.equal(cycleOf('postgresql', '9.6.24'), '9.6');
    assert.equal(cycleOf('alpine', '3.10'), '3.10');
    assert.equal(cycleOf('dotnet', '8.0'), '8');
    assert.deepEqual(findCycle(catalog.products.get('python')!, '3', 'd'), {
      found: false,
      cycle: null,
      reason: 'version 3 does not pin a python release cycle (the tag moves)',
    });
    const missing = findCycle(catalog.products.get('python')!, '3.99.1', '2025-02-04');
    assert.equal(missing.found, false);
    assert.equal(missing.cycle, '3.99');
    assert.match(
      missing.found ? '' : missing.reason,
      /not in the end-of-life data \(data as of 2025-02-04\)/,
    );
  });
});

describe('loadCatalog on damaged data', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'restack-eol-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function copy(): Promise<string> {
    const target = await mkdtemp(path.join(dir, 'data-'));
    await cp(BUNDLED_DATA_DIR, target, { recursive: true });
    return target;
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

  it('names the file and field of an invalid cycle', async () => {
    const data = await copy();
    const file = path.join(data, 'products', 'nodejs.json');
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.releases[0].eol = 'soon';
    await writeFile(file, JSON.stringify(json));
    const e = await errorOf(loadCatalog(data));
    assert.equal(e.code, 'eol.data-invalid');
    assert.equal(e.where, file);
    assert.match(e.message, /releases\.0\.eol/);
  });

  it('refuses a catalog date that its products do not support', async () => {
    const data = await copy();
    const file = path.join(data, 'catalog.json');
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.dataDate = '2030-01-01';
    await writeFile(file, JSON.stringify(json));
    const e = await errorOf(loadCatalog(data));
    assert.match(e.message, /says the data is from 2030-01-01/);
  });

  it('reports a missing folder as unreadable', async () => {
    const e = await errorOf(loadCatalog(path.join(dir, 'nowhere')));
    assert.equal(e.code, 'eol.data-unreadable');
  });
});
