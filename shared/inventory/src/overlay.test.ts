import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { openLayerTar, readLayerChanges } from './layer-reader.js';
import { applyLayer, emptyChanges, recordEntry, type LayerChanges } from './overlay.js';
import { isPackageDbFile, packagesFromFiles, touchesPackageDb } from './package-files.js';

type Spec = Array<[string, 'file' | 'directory' | 'symlink', string?]>;

function changesOf(spec: Spec): LayerChanges {
  const changes = emptyChanges();
  for (const [name, type, body] of spec) {
    recordEntry(
      changes,
      name,
      type === 'symlink' ? 'other' : type,
      body === undefined ? undefined : Buffer.from(body),
    );
  }
  return changes;
}

function merge(...layers: Spec[]): Record<string, string> {
  const merged = new Map<string, Buffer>();
  for (const layer of layers) applyLayer(merged, changesOf(layer));
  return Object.fromEntries([...merged].map(([k, v]) => [k, v.toString()]));
}

async function tarball(spec: Spec): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, type, body] of spec) {
    if (type === 'file') pack.entry({ name }, body ?? '');
    else if (type === 'symlink') pack.entry({ name, type: 'symlink', linkname: body ?? '' });
    else pack.entry({ name, type: 'directory' });
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const selection = { wants: isPackageDbFile, matters: touchesPackageDb };
const STATUS = 'var/lib/dpkg/status';
const paragraph = (name: string, version: string) =>
  `Package: ${name}\nStatus: install ok installed\nVersion: ${version}\n`;

describe('applyLayer (whiteouts)', () => {
  it('lets an upper layer replace a file', () => {
    assert.deepEqual(merge([[STATUS, 'file', 'v1']], [[STATUS, 'file', 'v2']]), { [STATUS]: 'v2' });
  });

  it('deletes a file hidden by .wh.<name>', () => {
    assert.deepEqual(merge([[STATUS, 'file', 'v1']], [['var/lib/dpkg/.wh.status', 'file']]), {});
  });

  it('deletes a whole folder hidden by .wh.<folder>', () => {
    const lower: Spec = [
      ['var/lib/dpkg/status.d/a', 'file', 'a'],
      ['var/lib/dpkg/status.d/b', 'file', 'b'],
    ];
    assert.deepEqual(merge(lower, [['./var/lib/dpkg/.wh.status.d', 'file']]), {});
  });

  it('empties a folder marked opaque, but keeps what the same layer adds to it', () => {
    const lower: Spec = [
      ['var/lib/dpkg/status.d/a', 'file', 'a'],
      ['var/lib/dpkg/status.d/b', 'file', 'b'],
    ];
    const upper: Spec = [
      ['var/lib/dpkg/status.d/', 'directory'],
      ['var/lib/dpkg/status.d/.wh..wh..opq', 'file'],
      ['var/lib/dpkg/status.d/c', 'file', 'c'],
    ];
    assert.deepEqual(merge(lower, upper), { 'var/lib/dpkg/status.d/c': 'c' });
  });

  it('an opaque marker on a parent hides everything below it', () => {
    assert.deepEqual(merge([[STATUS, 'file', 'v1']], [['var/.wh..wh..opq', 'file']]), {});
  });

  it('whiteouts only hide lower layers: a file re-added in the same layer stays', () => {
    assert.deepEqual(
      merge(
        [[STATUS, 'file', 'v1']],
        [
          [STATUS, 'file', 'v2'],
          ['var/lib/dpkg/.wh.status', 'file'],
        ],
      ),
      { [STATUS]: 'v2' },
    );
  });

  it('a symlink or file in place of a folder hides what was below it', () => {
    assert.deepEqual(
      merge(
        [['var/lib/dpkg/status.d/a', 'file', 'a']],
        [['var/lib/dpkg/status.d', 'symlink', '/elsewhere']],
      ),
      {},
    );
    assert.deepEqual(merge([[STATUS, 'file', 'v1']], [[STATUS, 'symlink', 'status-old']]), {});
  });

  it('a whiteout of a similarly named sibling hides nothing', () => {
    assert.deepEqual(merge([[STATUS, 'file', 'v1']], [['var/lib/dpkg/.wh.status-old', 'file']]), {
      [STATUS]: 'v1',
    });
  });
});

describe('reading layers', () => {
  it('keeps only package databases from a gzip layer, and applies layers in order', async () => {
    const layers = [
      await tarball([
        ['bin/', 'directory'],
        ['bin/sh', 'file', '#!'],
        [
          'var/lib/dpkg/status',
          'file',
          `${paragraph('libc6', '2.36-9')}\n${paragraph('zlib1g', '1:1.2.13')}`,
        ],
        ['var/lib/dpkg/status.d/tzdata', 'file', 'Package: tzdata\nVersion: 2024a-0\n'],
        ['var/lib/dpkg/status.d/tzdata.md5sums', 'file', 'abc  usr/share/zoneinfo/UTC\n'],
        ['etc/passwd', 'file', 'root:x:0:0'],
      ]),
      await tarball([
        ['var/lib/dpkg/status', 'file', paragraph('libc6', '2.36-9+deb12u1')],
        ['var/lib/dpkg/status.d/.wh.tzdata', 'file'],
      ]),
    ];
    const merged = new Map<string, Buffer>();
    for (const [i, layer] of layers.entries()) {
      const blob = i === 0 ? gzipSync(layer) : layer; // one compressed, one plain
      const layerTar = await openLayerTar(Readable.from([blob]), `layer ${i}`);
      const changes = await readLayerChanges(layerTar, selection, `layer ${i}`);
      assert.ok(![...changes.files.keys()].some((p) => p === 'bin/sh' || p.endsWith('.md5sums')));
      applyLayer(merged, changes);
    }
    assert.deepEqual(packagesFromFiles(merged), [
      { name: 'libc6', version: '2.36-9+deb12u1', source: 'dpkg' },
    ]);
  });

  it('fails clearly on a layer that is not a tar archive', async () => {
    const layerTar = await openLayerTar(
      Readable.from([gzipSync(Buffer.from('not a tar '.repeat(100)))]),
      'bad layer',
    );
    await assert.rejects(
      readLayerChanges(layerTar, selection, 'bad layer'),
      /could not be read as a tar archive/,
    );
  });
});
