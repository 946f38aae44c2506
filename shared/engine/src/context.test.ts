import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { isRestackError } from '@restack/core';
import tar from 'tar-stream';
import { contextFromFolder, contextFromGit, normaliseEntryName, replaceFile } from './context.js';

interface Entry {
  type: string;
  body?: string;
  linkname?: string;
}

async function entries(stream: Readable): Promise<Record<string, Entry>> {
  const extract = tar.extract();
  stream.on('error', (e) => extract.destroy(e));
  stream.pipe(extract);
  const out: Record<string, Entry> = {};
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const { name, type, linkname } = entry.header;
    out[name] =
      type === 'file'
        ? { type, body: Buffer.concat(chunks).toString() }
        : { type, ...(linkname ? { linkname } : {}) };
  }
  return out;
}

function tarOf(files: Record<string, string>): Readable {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(files)) pack.entry({ name }, body);
  pack.finalize();
  return Readable.from(pack, { objectMode: false });
}

describe('build contexts', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'restack-context-'));
    await mkdir(join(dir, 'src', 'lib'), { recursive: true });
    await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
    await writeFile(join(dir, 'src', 'lib', 'a.txt'), 'alpha');
    await symlink('lib/a.txt', join(dir, 'src', 'link'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('packs a folder with its files, folders and symlinks', async () => {
    assert.deepEqual(await entries(contextFromFolder(dir)), {
      Dockerfile: { type: 'file', body: 'FROM scratch\n' },
      'src/': { type: 'directory' },
      'src/lib/': { type: 'directory' },
      'src/lib/a.txt': { type: 'file', body: 'alpha' },
      'src/link': { type: 'symlink', linkname: 'lib/a.txt' },
    });
  });

  it('fails with a clear error for a missing folder', async () => {
    await assert.rejects(entries(contextFromFolder(join(dir, 'missing'))), (e: unknown) => {
      assert.ok(isRestackError(e));
      assert.equal(e.code, 'ENGINE_CONTEXT_FAILED');
      return true;
    });
  });

  it('replaces the Dockerfile in place and keeps everything else', async () => {
    const replaced = await entries(
      replaceFile(contextFromFolder(dir), './Dockerfile', 'FROM base@sha256:1\n'),
    );
    assert.equal(replaced.Dockerfile?.body, 'FROM base@sha256:1\n');
    assert.equal(replaced['src/lib/a.txt']?.body, 'alpha');
    assert.equal(
      Object.keys(replaced).filter((n) => normaliseEntryName(n) === 'Dockerfile').length,
      1,
    );
  });

  it('adds the Dockerfile when the context has none, and matches ./-prefixed names', async () => {
    const added = await entries(
      replaceFile(tarOf({ 'app.js': 'x' }), 'build/Dockerfile', 'FROM a\n'),
    );
    assert.equal(added['build/Dockerfile']?.body, 'FROM a\n');
    const dotted = await entries(
      replaceFile(tarOf({ './build/Dockerfile': 'old' }), 'build/Dockerfile', 'new'),
    );
    assert.deepEqual(Object.keys(dotted), ['build/Dockerfile']);
    assert.equal(dotted['build/Dockerfile']?.body, 'new');
  });

  it('refuses a git revision that is not a full commit id', async () => {
    for (const commit of ['main', 'HEAD', 'abc123']) {
      await assert.rejects(contextFromGit({ repository: dir, commit }), /not a full commit id/);
    }
    await assert.rejects(
      contextFromGit({ repository: dir, commit: 'a'.repeat(40), path: '../elsewhere' }),
      /leaves the repository/,
    );
  });

  it('packs a subfolder of a commit, and refuses a path that is a file', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'restack-git-context-'));
    try {
      const git = (...args: string[]) =>
        execFileSync(
          'git',
          ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args],
          {
            encoding: 'utf8',
          },
        ).trim();
      git('init', '-q');
      await mkdir(join(repo, 'images', 'app'), { recursive: true });
      await writeFile(join(repo, 'images', 'app', 'Dockerfile'), 'FROM scratch\n');
      await writeFile(join(repo, 'README'), 'top\n');
      git('add', '.');
      git('commit', '-qm', 'one');
      const commit = git('rev-parse', 'HEAD');
      const packed = await entries(
        await contextFromGit({ repository: repo, commit, path: 'images/app' }),
      );
      assert.deepEqual(Object.keys(packed), ['Dockerfile']);
      await assert.rejects(
        contextFromGit({ repository: repo, commit, path: 'README' }),
        /is a blob, not a folder/,
      );
      await assert.rejects(
        contextFromGit({ repository: repo, commit, path: 'missing' }),
        /ENGINE|failed/,
      );
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});
