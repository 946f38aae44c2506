import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '@restack/config';
import { graphIndexFor, graphJson, planChange, type GraphIndex } from '@restack/graph';
import { parseReference } from '@restack/reference';

// A git source: a bare remote on disk, cloned shallowly into the cache; a
// pushed change is fetched and only the files that changed are read again.

const IDENTITY = ['-c', 'user.name=Restack Test', '-c', 'user.email=test@example.invalid'];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...IDENTITY, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
  });
}

async function put(dir: string, file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await writeFile(path.join(dir, file), text);
}

function ref(text: string) {
  const r = parseReference(text);
  if (!r.ok) throw new Error(r.error);
  return r.ref;
}

describe('graph: git source', () => {
  let dir: string;
  let work: string;
  let index: GraphIndex;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'restack-graph-git-'));
    const remote = path.join(dir, 'platform.git');
    work = path.join(dir, 'work');
    git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
    git(dir, 'clone', '--quiet', remote, work);
    git(work, 'checkout', '--quiet', '-b', 'main');
    await put(work, 'base/Dockerfile', 'FROM debian:bookworm\n');
    await put(work, 'app/Dockerfile', 'FROM registry.example.com/platform/base:1\n');
    await put(
      work,
      'app/compose.yaml',
      'services:\n  app:\n    build: .\n    image: registry.example.com/apps/app:1\n',
    );
    await put(work, 'README.md', '# platform\n');
    git(work, 'add', '-A');
    git(work, 'commit', '--quiet', '-m', 'first');
    git(work, 'push', '--quiet', 'origin', 'main');

    const cfgDir = path.join(dir, 'config');
    await mkdir(cfgDir);
    const loaded = parseConfig(
      [
        'sources:',
        `  - git: ${remote}`,
        '    ref: main',
        '    name: platform',
        'images:',
        '  - name: registry.example.com/platform/base',
        "    tags: ['1']",
        '    dockerfile: platform/base/Dockerfile',
      ].join('\n'),
      path.join(cfgDir, 'restack.yaml'),
    );
    index = graphIndexFor(loaded, { cacheDir: path.join(dir, 'cache') });
    await index.indexAll();
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('indexes the clone with ids prefixed by the source name', () => {
    const graph = graphJson(index.graph());
    assert.deepEqual(
      graph.nodes.map((n) => n.dockerfile),
      ['platform/app/Dockerfile', 'platform/base/Dockerfile'],
    );
    assert.deepEqual(
      graph.edges.map((e) => [e.from, e.to]),
      [['platform/base/Dockerfile', 'platform/app/Dockerfile']],
    );
    assert.deepEqual(graph.errors, []);
    const app = graph.nodes.find((n) => n.dockerfile === 'platform/app/Dockerfile');
    assert.deepEqual(app?.images, [
      {
        name: 'registry.example.com/apps/app',
        tags: ['1'],
        source: 'compose',
        file: 'platform/app/compose.yaml',
      },
    ]);
  });

  it('fetches a push and updates only what changed: add, modify, delete', async () => {
    await put(work, 'worker/Dockerfile', 'FROM registry.example.com/apps/app:1\n');
    await put(work, 'app/Dockerfile', 'FROM registry.example.com/platform/base:1\nRUN make\n');
    await put(work, 'README.md', '# platform, changed\n');
    git(work, 'add', '-A');
    git(work, 'commit', '--quiet', '-m', 'add worker');
    git(work, 'push', '--quiet', 'origin', 'main');

    const [delta, ...rest] = await index.refresh();
    assert.equal(rest.length, 0);
    assert.deepEqual(delta?.changedFiles, [
      'platform/app/Dockerfile',
      'platform/worker/Dockerfile',
    ]);
    assert.deepEqual(delta?.nodes, { added: ['platform/worker/Dockerfile'], removed: [] });
    assert.deepEqual(delta?.edges, {
      added: [{ from: 'platform/app/Dockerfile', to: 'platform/worker/Dockerfile' }],
      removed: [],
    });
    const plan = planChange(index.graph(), [ref('debian:bookworm')]);
    assert.deepEqual(plan.waves, [
      ['platform/base/Dockerfile'],
      ['platform/app/Dockerfile'],
      ['platform/worker/Dockerfile'],
    ]);

    git(work, 'rm', '--quiet', 'app/compose.yaml');
    git(work, 'commit', '--quiet', '-m', 'drop compose');
    git(work, 'push', '--quiet', 'origin', 'main');
    const [removal] = await index.refresh();
    assert.deepEqual(removal?.changedFiles, ['platform/app/compose.yaml']);
    // Without the compose mapping app produces nothing, so worker's edge goes.
    assert.deepEqual(removal?.edges.removed, [
      { from: 'platform/app/Dockerfile', to: 'platform/worker/Dockerfile' },
    ]);

    git(work, 'rm', '--quiet', 'worker/Dockerfile');
    git(work, 'commit', '--quiet', '-m', 'drop worker');
    git(work, 'push', '--quiet', 'origin', 'main');
    const [deletion] = await index.refresh();
    assert.deepEqual(deletion?.nodes, { added: [], removed: ['platform/worker/Dockerfile'] });
  });

  it('reports nothing when the remote did not move', async () => {
    assert.deepEqual(await index.refresh(), []);
  });
});
