import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUNDLED_DATA_DIR } from '@restack/eol';
import { repoRoot, runCli } from '../harness/cli.js';
import { pushImage, tagManifest } from '../harness/images.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const ORG = path.join(repoRoot, 'test/fixtures/lifecycle/org/restack.yaml');
const TIMEOUT = { timeout: 120_000 };

interface DeprecatedJson {
  dockerfile: string;
  line: number;
  ref: string;
  status: string;
  products: Array<{
    product: string;
    cycle: string | null;
    eol: string | null;
    daysPastEol: number | null;
  }>;
  replacement: string | null;
  reason: string;
  repository: string | null;
}

async function deprecated(now: string, format = 'json') {
  return runCli(['report', 'deprecated', '--config', ORG, '--now', now, '--format', format]);
}

describe('restack report deprecated', () => {
  it(
    'gives every (Dockerfile, reference) its end-of-life status at the injected date',
    TIMEOUT,
    async () => {
      const r = await deprecated('2025-06-01');
      assert.equal(r.code, 0, r.stderr);
      const entries = JSON.parse(r.stdout) as DeprecatedJson[];
      const at = (file: string, line: number) =>
        entries.find((e) => e.dockerfile === file && e.line === line)!;
      // Key order is the documented one; extra fields follow.
      assert.deepEqual(Object.keys(entries[0]!).slice(0, 8), [
        'dockerfile',
        'line',
        'ref',
        'status',
        'products',
        'replacement',
        'reason',
        'repository',
      ]);
      const python = at('repos/payments/Dockerfile', 2);
      assert.equal(python.ref, 'docker.io/library/python:3.8-slim');
      assert.equal(python.status, 'eol');
      assert.deepEqual(python.products, [
        { product: 'python', cycle: '3.8', eol: '2024-10-07', daysPastEol: 237 },
      ]);
      assert.equal(python.repository, 'payments');
      assert.equal(at('repos/web/Dockerfile', 1).status, 'eol');
      const centos = at('repos/legacy/Dockerfile', 1);
      assert.deepEqual([centos.status, centos.replacement], ['eol', 'almalinux or rockylinux']);
      const tools = at('repos/legacy/tools.Dockerfile', 1);
      assert.deepEqual(
        [tools.status, tools.replacement],
        ['deprecated', 'registry.example.com/platform/base:1'],
      );
      assert.equal(at('repos/platform/base/Dockerfile', 1).status, 'ok');
      assert.equal(at('repos/payments/Dockerfile', 5).status, 'unknown');
    },
  );

  it('moves with --now: the same tag is ok, then eol-soon, then eol', TIMEOUT, async () => {
    const status = async (now: string) =>
      (JSON.parse((await deprecated(now)).stdout) as DeprecatedJson[]).find((e) =>
        e.ref.includes('python:3.8'),
      )!.status;
    assert.equal(await status('2023-06-01'), 'ok');
    assert.equal(await status('2024-08-01'), 'eol-soon');
    assert.equal(await status('2024-10-07'), 'eol');
  });

  it('prints Markdown, CSV and a self-contained HTML page', TIMEOUT, async () => {
    const md = await deprecated('2025-06-01', 'markdown');
    assert.match(
      md.stdout,
      /\| eol \| `docker\.io\/library\/python:3\.8-slim` \| repos\/payments\/Dockerfile:2 \| payments \|/,
    );
    const csv = await deprecated('2025-06-01', 'csv');
    assert.match(csv.stdout.split('\r\n')[0]!, /^dockerfile,line,ref,status,/);
    const html = await deprecated('2025-06-01', 'html');
    assert.match(html.stdout, /^<!doctype html>/);
    assert.doesNotMatch(html.stdout, /<script|<link|src=|href=/i);
  });

  it('fails with a usage error for an unknown report or format', TIMEOUT, async () => {
    assert.equal((await runCli(['report', 'everything', '--config', ORG])).code, 2);
    assert.equal(
      (await runCli(['report', 'deprecated', '--config', ORG, '--format', 'pdf'])).code,
      2,
    );
    assert.equal(
      (await runCli(['report', 'deprecated', '--config', ORG, '--now', 'tomorrow'])).code,
      2,
    );
  });
});

describe('restack eol refresh', () => {
  it('fails clearly offline and leaves the data untouched', TIMEOUT, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'restack-eol-'));
    try {
      await cp(BUNDLED_DATA_DIR, dir, { recursive: true });
      const hash = async () => {
        const h = createHash('sha256');
        for (const f of (await readdir(dir, { recursive: true })).sort()) {
          if (f.endsWith('.json')) h.update(f).update(await readFile(path.join(dir, f)));
        }
        return h.digest('hex');
      };
      const beforeHash = await hash();
      const port = await closedPort();
      const r = await runCli([
        'eol',
        'refresh',
        '--data-dir',
        dir,
        '--base-url',
        `http://127.0.0.1:${port}`,
        '--now',
        '2025-06-01',
      ]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /restack eol: .*(cannot reach|unreachable|could not)/i);
      assert.equal(r.stdout, '');
      assert.equal(await hash(), beforeHash);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** A port nothing listens on: bind, note it, close. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('restack report age', () => {
  let registry: TestRegistry;
  let dir: string;
  let config: string;
  before(async () => {
    registry = await startRegistry();
    const url = registry.url;
    const host = registry.host;
    const layer = { files: { 'etc/os-release': 'ID=test\n' } };
    const base1 = await pushImage(url, 'base', '1', {
      layers: [layer],
      config: { created: '2025-01-10T00:00:00Z' },
    });
    await pushImage(url, 'app', '1', {
      layers: [layer, { files: { 'app/a': 'a' } }],
      config: {
        created: '2025-02-01T00:00:00Z',
        labels: {
          'org.opencontainers.image.base.name': `${host}/base:1`,
          'org.opencontainers.image.base.digest': base1.digest,
        },
      },
    });
    // Built by a reproducible build: created is the epoch, and no labels; its layers start with base:1's.
    await pushImage(url, 'repro', '1', {
      layers: [layer, { files: { 'app/r': 'r' } }],
      config: { created: '1970-01-01T00:00:00Z' },
    });
    // The base tag moves on to a new digest built on 2025-03-01.
    await pushImage(url, 'base', '2', {
      layers: [{ files: { 'etc/os-release': 'ID=test2\n' } }],
      config: { created: '2025-03-01T00:00:00Z' },
    });
    const moved = await pushImage(url, 'base', null, {
      layers: [{ files: { 'etc/os-release': 'ID=test2\n' } }],
      config: { created: '2025-03-01T00:00:00Z' },
    });
    await tagManifest(url, 'base', '1', moved.digest);
    // Built on the moved base, without labels.
    await pushImage(url, 'fresh', '1', {
      layers: [{ files: { 'etc/os-release': 'ID=test2\n' } }, { files: { 'app/f': 'f' } }],
      config: { created: '2025-03-10T00:00:00Z' },
    });

    dir = await mkdtemp(path.join(tmpdir(), 'restack-age-'));
    for (const name of ['app', 'repro', 'fresh']) {
      await mkdir(path.join(dir, 'repos', name), { recursive: true });
      await writeFile(
        path.join(dir, 'repos', name, 'Dockerfile'),
        `FROM ${host}/base:1\nUSER 10001\n`,
      );
    }
    config = path.join(dir, 'restack.yaml');
    await writeFile(
      config,
      [
        'sources: [{ path: ./repos }]',
        'images:',
        `  - { name: ${host}/app, tags: ['1'], dockerfile: repos/app/Dockerfile }`,
        `  - { name: ${host}/repro, tags: ['1'], dockerfile: repos/repro/Dockerfile }`,
        `  - { name: ${host}/fresh, tags: ['1'], dockerfile: repos/fresh/Dockerfile }`,
        `registries: { '${host}': { insecure: true } }`,
      ].join('\n'),
    );
  });
  after(async () => {
    await registry?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports each image with the clock it used and its base drift', TIMEOUT, async () => {
    const r = await runCli(['report', 'age', '--config', config, '--now', '2025-03-21T00:00:00Z']);
    assert.equal(r.code, 0, r.stderr);
    const entries = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(Object.keys(entries[0]!).slice(0, 6), [
      'image',
      'digest',
      'builtAt',
      'clock',
      'ageDays',
      'baseDriftDays',
    ]);
    const app = entries.find((e) => String(e.image).endsWith('/app:1'))!;
    assert.deepEqual(
      [app.builtAt, app.clock, app.ageDays, app.baseDriftDays, app.driftClock],
      ['2025-02-01T00:00:00.000Z', 'created', 48, 20, 'created'],
    );
    const repro = entries.find((e) => String(e.image).endsWith('/repro:1'))!;
    assert.deepEqual([repro.builtAt, repro.clock, repro.ageDays], [null, 'unknown', null]);
    const notes = (repro.notes as string[]).join('\n');
    assert.match(notes, /before 1980-01-02/);
    assert.match(notes, /first-seen is not available in a one-shot run/);
    assert.match(notes, /reports no push time/);
    // No labels, and its layers start with a base digest the tag no longer
    // points at: a one-shot run has no history to name it, so drift is unknown.
    assert.equal(repro.baseDriftDays, null);
    assert.match(notes, /start with no base restack knows/);
    // No labels, but its layers start with what base:1 points at now.
    const fresh = entries.find((e) => String(e.image).endsWith('/fresh:1'))!;
    assert.deepEqual(
      [fresh.clock, fresh.ageDays, fresh.baseDriftDays, fresh.base],
      ['created', 11, 0, `${registry.host}/base:1`],
    );
  });

  it('draws the ages in the HTML page', TIMEOUT, async () => {
    const r = await runCli([
      'report',
      'age',
      '--config',
      config,
      '--now',
      '2025-03-21T00:00:00Z',
      '--format',
      'html',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /<svg [^>]*aria-label="Image ages in days"/);
    assert.match(r.stdout, /48 d · created/);
  });
});
