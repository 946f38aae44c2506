import { createHash } from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream';
import * as zlib from 'node:zlib';
import { RestackError } from '@restack/core';
import tar from 'tar-stream';
import {
  emptyChanges,
  entrySubject,
  normalisePath,
  recordEntry,
  type LayerChanges,
} from './overlay.js';

export interface LayerSelection {
  /** Whether to keep this file's content. */
  wants(path: string): boolean;
  /** Whether an entry at this path matters at all (it may hide a wanted file). */
  matters(path: string): boolean;
}

/** A package database larger than this is hostile, not real. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

function startsWith(head: Buffer, magic: number[]): boolean {
  return magic.every((byte, i) => head[i] === byte);
}

/**
 * The layer's tar, decompressed by what its first bytes say (gzip, zstd or
 * none), whatever media type the manifest claims: registries mislabel.
 */
export async function openLayerTar(blob: Readable, where: string): Promise<Readable> {
  const iterator = blob[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await iterator.next();
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  const whole = Readable.from(
    (async function* () {
      yield head;
      for (let n = await iterator.next(); !n.done; n = await iterator.next()) yield n.value;
    })(),
    { objectMode: false },
  );
  let decompress: Transform | null = null;
  if (startsWith(head, GZIP_MAGIC)) decompress = zlib.createGunzip();
  else if (startsWith(head, ZSTD_MAGIC)) decompress = zstdDecompressor(where);
  if (decompress === null) return whole;
  const out = new PassThrough();
  pipeline(whole, decompress, out, () => undefined);
  return out;
}

function zstdDecompressor(where: string): Transform {
  // zlib gained zstd in Node 22.15; on older Node a zstd layer cannot be read.
  const create = (zlib as unknown as { createZstdDecompress?: () => Transform })
    .createZstdDecompress;
  if (create === undefined) {
    throw new RestackError(
      'INVENTORY_LAYER_UNSUPPORTED',
      'the layer is zstd-compressed, which this Node.js cannot read',
      {
        where,
        fix: 'run restack on Node.js 22.15 or newer to scan zstd layers, or push the image with gzip layers',
      },
    );
  }
  return create();
}

/**
 * Reads one layer's tar entry by entry, keeping only the content of wanted
 * files; every other entry is skipped unread (its bytes still flow past).
 */
export async function readLayerChanges(
  layerTar: Readable,
  selection: LayerSelection,
  where: string,
): Promise<LayerChanges> {
  const changes = emptyChanges();
  const extract = tar.extract();
  layerTar.on('error', (e) => extract.destroy(e));
  layerTar.pipe(extract);
  try {
    for await (const entry of extract) {
      const path = normalisePath(entry.header.name);
      const type = entry.header.type;
      const kind =
        type === 'directory'
          ? 'directory'
          : type === 'file' || type === 'contiguous-file'
            ? 'file'
            : 'other';
      const subject = entrySubject(path);
      if (!selection.matters(subject)) {
        entry.resume();
        continue;
      }
      if (kind === 'file' && subject === path && selection.wants(path)) {
        if (entry.header.size > MAX_FILE_BYTES) {
          throw new RestackError(
            'INVENTORY_LAYER_INVALID',
            `${path} is ${entry.header.size} bytes, too large for a package database`,
            {
              where,
              fix: 'check the image: a package database is at most a few megabytes',
            },
          );
        }
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(Buffer.from(chunk as Uint8Array));
        recordEntry(changes, path, kind, Buffer.concat(chunks));
      } else {
        entry.resume();
        recordEntry(changes, path, kind);
      }
    }
  } catch (e) {
    if (e instanceof RestackError) throw e;
    throw new RestackError(
      'INVENTORY_LAYER_INVALID',
      `a layer could not be read as a tar archive: ${e instanceof Error ? e.message : String(e)}`,
      {
        where,
        cause: e,
        fix: 'check that the image was pushed completely; pull it with docker or podman to compare',
      },
    );
  }
  return changes;
}

/** Hashes what flows through, so a blob can be checked against its digest once read. */
export function digestTap(algorithm: string): { tap: Transform; digest: () => string } {
  const hash = createHash(algorithm);
  let result: string | null = null;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  return {
    tap,
    digest: () => (result ??= `${algorithm}:${hash.digest('hex')}`),
  };
}
