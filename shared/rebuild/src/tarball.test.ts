import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { RestackError } from '@restack/core';
import { tarEntries } from './tarball.js';

const run = promisify(execFile);

describe('tarEntries', () => {
  it('reads git archive output: the commit in the global header, long paths from pax headers', async () => {
    const repo = await mkdtemp(path.join(tmpdir(), 'restack-tarball-'));
    try {
      const long = `${'deep/'.repeat(30)}file.txt`;
      await mkdir(path.join(repo, path.dirname(long)), { recursive: true });
      await writeFile(path.join(repo, long), 'at the bottom\n');
      await writeFile(path.join(repo, 'Dockerfile'), 'FROM scratch\n');
      const g = (...args: string[]) =>
        run('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], {
          encoding: 'buffer',
          maxBuffer: 1 << 24,
        });
      await g('init', '-q', '-b', 'main');
      await g('add', '.');
      await g('commit', '-q', '-m', 'one');
      const commit = (await g('rev-parse', 'HEAD')).stdout.toString().trim();
      const tar = (await g('archive', '--format=tar', '--prefix=acme-app-1234567/', commit)).stdout;

      const { entries, comment } = tarEntries(tar, 'test');
      assert.equal(comment, commit);
      const names = entries.map((e) => e.name);
      assert.ok(names.includes('acme-app-1234567/'));
      assert.ok(names.includes(`acme-app-1234567/${long}`), 'the full long path');
      const file = entries.find((e) => e.name === 'acme-app-1234567/Dockerfile')!;
      assert.equal(file.type, '0');
      assert.equal(tar.subarray(file.offset, file.offset + file.size).toString(), 'FROM scratch\n');
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });

  it('refuses a truncated archive', () => {
    const header = Buffer.alloc(512);
    header.write('a.txt', 0);
    header.write('00000001000\0', 124); // 512 bytes announced, none present
    header.write('0', 156);
    assert.throws(
      () => tarEntries(header, 'test'),
      (e: unknown) => e instanceof RestackError && /ends inside a member/.test(e.message),
    );
  });
});
