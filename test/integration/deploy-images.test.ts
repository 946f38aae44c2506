// Static checks of restack's own images (infra/docker): pinned bases, non-root
// stages, health checks, a target per service, the example-catalog mirror, and
// the two helper scripts the image runs, exercised for real.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseConfig } from '@restack/config';
import { extractDockerfile, type DockerfileExtract } from '@restack/dockerfile';
import { repoRoot } from '../harness/cli.js';
import { services } from '../harness/deploy.js';

const run = promisify(execFile);
const DOCKER_DIR = path.join(repoRoot, 'infra', 'docker');
const MIRROR = path.join(repoRoot, 'examples', 'acme', 'repos', 'restack', 'Dockerfile');
/** The services of ARCHITECTURE.md; folders under services/ are added to them. */

async function serviceNames(): Promise<string[]> {
  return [...(await services()).keys()];
}

async function dockerfiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await dockerfiles(full)));
    else if (/^(Dockerfile(\..+)?|.+\.Dockerfile|Containerfile)$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

interface Instruction {
  line: number;
  keyword: string;
  args: string;
}

/** Instructions with line continuations joined; comment lines dropped. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current: Instruction | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (/^\s*#/.test(line) || (current === null && line.trim() === '')) return;
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1) : line;
    if (current === null) {
      const m = /^\s*(\S+)\s*(.*)$/.exec(body);
      current = { line: i + 1, keyword: (m?.[1] ?? '').toUpperCase(), args: m?.[2] ?? '' };
    } else {
      current.args += ` ${body.trim()}`;
    }
    if (!continued) {
      out.push(current);
      current = null;
    }
  });
  if (current) out.push(current);
  return out;
}

interface Parsed {
  file: string;
  extract: DockerfileExtract;
  /** Instructions of each stage, FROM excluded. */
  stages: Instruction[][];
}

async function parse(file: string): Promise<Parsed> {
  const text = await readFile(file, 'utf8');
  const extract = extractDockerfile(text, { file: path.relative(repoRoot, file) });
  const all = instructions(text);
  const stages = extract.stages.map((s, i) => {
    const end = extract.stages[i + 1]?.line ?? Number.POSITIVE_INFINITY;
    return all.filter((x) => x.line > s.line && x.line < end);
  });
  return { file, extract, stages };
}

/** The last value of an instruction in a stage or, failing that, in the stage it is built FROM. */
function inherited(p: Parsed, index: number, keyword: string): string | null {
  const own = p.stages[index]?.filter((x) => x.keyword === keyword).at(-1);
  if (own) return own.args;
  const base = p.extract.stages[index]?.baseStage;
  return base === null || base === undefined ? null : inherited(p, base, keyword);
}

function isRootUser(user: string | null): boolean {
  const name = (user ?? 'root').split(':')[0]?.trim();
  return name === 'root' || name === '0' || name === '';
}

function stageIndex(p: Parsed, name: string): number {
  return p.extract.stages.findIndex((s) => s.name === name);
}

describe('restack images (infra/docker)', () => {
  it('has Dockerfiles, all readable without errors', async () => {
    const files = await dockerfiles(DOCKER_DIR);
    assert.ok(files.length > 0, 'no Dockerfile under infra/docker');
    for (const file of files) {
      const { extract } = await parse(file);
      assert.deepEqual(extract.errors, [], file);
    }
  });

  it('pins every base image by digest', async () => {
    for (const file of [...(await dockerfiles(DOCKER_DIR)), MIRROR]) {
      const { extract } = await parse(file);
      for (const ref of extract.references) {
        assert.equal(ref.unresolved, false, `${file}:${ref.line} ${ref.raw}: ${ref.reason}`);
        assert.match(
          ref.ref?.digest ?? '',
          /^sha256:[0-9a-f]{64}$/,
          `${file}:${ref.line} ${ref.raw}`,
        );
      }
      for (const stage of extract.stages) {
        assert.ok(
          stage.baseKind === 'image' || stage.baseKind === 'stage',
          `${file}: ${stage.base}`,
        );
      }
    }
  });

  it('ends every stage as a non-root user, and every shipped target as a numeric UID', async () => {
    const names = await serviceNames();
    for (const file of await dockerfiles(DOCKER_DIR)) {
      const p = await parse(file);
      p.extract.stages.forEach((stage, i) => {
        const user = inherited(p, i, 'USER');
        assert.ok(!isRootUser(user), `${file}: stage ${stage.name ?? i} runs as ${user ?? 'root'}`);
        if (stage.name && (names.includes(stage.name) || stage.name === 'all')) {
          assert.match(user ?? '', /^[1-9][0-9]*(:[1-9][0-9]*)?$/, `${file}: ${stage.name}`);
        }
      });
    }
  });

  it('has a target per service that runs it, with a health check', async () => {
    const p = await parse(path.join(DOCKER_DIR, 'Dockerfile'));
    const kinds = await services();
    for (const name of [...kinds.keys(), 'all']) {
      const i = stageIndex(p, name);
      assert.ok(i >= 0, `infra/docker/Dockerfile has no target "${name}"`);
      const health = inherited(p, i, 'HEALTHCHECK') ?? '';
      assert.match(
        health,
        /CMD \["node", "\/app\/healthcheck\.mjs", "\/(readyz|livez|healthz)"\]/,
        name,
      );
      const entrypoint = JSON.parse(inherited(p, i, 'ENTRYPOINT') ?? '[]') as string[];
      const cmd = JSON.parse(inherited(p, i, 'CMD') ?? '[]') as string[];
      if (kinds.get(name) === 'process') {
        // Its own program: services/<name>/src/main.ts compiled.
        assert.deepEqual(entrypoint, ['node', `/app/services/${name}/dist/main.js`], name);
      } else {
        assert.deepEqual(entrypoint, ['node', '/app/cli/bin/restack.js'], name);
        if (name === 'all') assert.equal(cmd[0], 'up');
        else assert.deepEqual(cmd.slice(0, 2), ['service', name]);
      }
      assert.ok(
        cmd.includes('/etc/restack/restack.yaml'),
        `${name} reads the mounted restack.yaml`,
      );
    }
  });

  it('sets only restack.yaml overrides that restack reads', async () => {
    const p = await parse(path.join(DOCKER_DIR, 'Dockerfile'));
    const env: Record<string, string> = {};
    for (const x of p.stages.flat().filter((i) => i.keyword === 'ENV')) {
      for (const m of x.args.matchAll(/(RESTACK_\w+__\w+)=(\S+)/g)) env[m[1] ?? ''] = m[2] ?? '';
    }
    assert.ok(Object.keys(env).length > 0);
    // Unknown keys are errors, so this throws on a misspelt setting.
    const loaded = parseConfig('sources: []\n', 'restack.yaml', env);
    assert.equal(loaded.config.gateway.host, '0.0.0.0', 'the gateway listens on all interfaces');
  });

  it('copies only files that exist and that .dockerignore lets through', async () => {
    const ignore = (await readFile(path.join(repoRoot, '.dockerignore'), 'utf8'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const p = await parse(path.join(DOCKER_DIR, 'Dockerfile'));
    const sources = p.stages
      .flat()
      .filter((x) => x.keyword === 'COPY' && !/--from=/.test(x.args))
      .flatMap((x) =>
        x.args
          .split(/\s+/)
          .filter((w) => !w.startsWith('--'))
          .slice(0, -1),
      );
    assert.ok(sources.length > 0);
    // Run from the context by `RUN node infra/docker/assemble.mjs`.
    sources.push('infra/docker/assemble.mjs');
    for (const source of sources.filter((s) => s !== '.')) {
      assert.ok(existsSync(path.join(repoRoot, source)), `COPY ${source}: no such file`);
      for (const pattern of ignore) {
        const re = new RegExp(
          `^${pattern
            .replace(/\./g, '\\.')
            .replace(/\*\*\//g, '(.*/)?')
            .replace(/(?<!\.)\*/g, '[^/]*')}(/|$)`,
        );
        assert.ok(!re.test(source), `COPY ${source} is excluded by .dockerignore "${pattern}"`);
      }
    }
  });

  it('is mirrored in the example catalog, so restack keeps its own base fresh', async () => {
    const original = await parse(path.join(DOCKER_DIR, 'Dockerfile'));
    const mirror = await parse(MIRROR);
    const shape = (p: Parsed) => ({
      stages: p.extract.stages.map((s) => [s.name, s.base]),
      refs: p.extract.references.map((r) => r.resolved),
    });
    assert.deepEqual(shape(mirror), shape(original));
  });
});

describe('image helper scripts', () => {
  it('healthcheck.mjs exits 0 on a 2xx, 1 on an error status or no server', async () => {
    let status = 200;
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/readyz' ? status : 404).end('x');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const probe = async (env: NodeJS.ProcessEnv) =>
      run(process.execPath, [path.join(DOCKER_DIR, 'healthcheck.mjs'), '/readyz'], {
        env: { ...process.env, ...env },
      }).then(
        () => 0,
        (e: { code?: number }) => e.code ?? -1,
      );
    try {
      assert.equal(await probe({ RESTACK_HEALTH_PORT: String(port) }), 0);
      status = 503;
      assert.equal(await probe({ RESTACK_HEALTH_PORT: String(port) }), 1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    assert.equal(await probe({ RESTACK_HEALTH_PORT: String(port) }), 1);
  });

  it('assemble.mjs copies package.json, "files", bins and no compiled tests', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'restack-assemble-'));
    try {
      const src = path.join(dir, 'src');
      const put = async (rel: string, text: string) => {
        await mkdir(path.dirname(path.join(src, rel)), { recursive: true });
        await writeFile(path.join(src, rel), text);
      };
      await put('package.json', JSON.stringify({ workspaces: ['shared/*', 'cli', 'bench'] }));
      await put('shared/a/package.json', '{}');
      await put('shared/a/dist/index.js', 'export {};');
      await put('shared/a/dist/a.test.js', 'test');
      await put('shared/a/src/index.ts', 'export {};');
      await put('shared/b/package.json', JSON.stringify({ files: ['dist', 'data'] }));
      await put('shared/b/data/eol.json', '[]');
      await put('cli/package.json', JSON.stringify({ bin: { restack: './bin/restack.js' } }));
      await put('cli/bin/restack.js', '');
      await put('bench/package.json', '{}');
      await run(process.execPath, [
        path.join(DOCKER_DIR, 'assemble.mjs'),
        src,
        path.join(dir, 'out'),
      ]);
      const out = (rel: string) => existsSync(path.join(dir, 'out', rel));
      for (const rel of [
        'package.json',
        'shared/a/dist/index.js',
        'shared/b/data/eol.json',
        'cli/bin/restack.js',
      ])
        assert.ok(out(rel), rel);
      for (const rel of ['shared/a/dist/a.test.js', 'shared/a/src', 'bench'])
        assert.ok(!out(rel), rel);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
