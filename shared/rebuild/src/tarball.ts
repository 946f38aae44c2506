import { RestackError } from '@restack/core';

/** One member of a tar archive, with the pax / GNU long names applied. */
export interface TarEntry {
  name: string;
  /** The ustar type flag: `0` file, `5` folder, `2` symlink, ... */
  type: string;
  size: number;
  /** Where its bytes start in the archive. */
  offset: number;
}

const BLOCK = 512;

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

function octal(block: Buffer, start: number, length: number, where: string): number {
  const raw = text(block, start, length).trim();
  if (raw === '') return 0;
  if (!/^[0-7]+$/.test(raw)) throw invalid(`a header field is not octal ("${raw}")`, where);
  return parseInt(raw, 8);
}

function invalid(message: string, where: string): RestackError {
  return new RestackError('REBUILD_SOURCE_FAILED', `the tarball cannot be read: ${message}`, {
    where,
    fix: 'check the archive the forge sent (a truncated download is retried by the bus)',
  });
}

/** `len key=value\n` records of a pax header (POSIX.1-2001 pax format). */
function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = parseInt(data.subarray(at, space).toString('ascii'), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return out;
}

/**
 * The members of an uncompressed tar archive (ustar, pax extended and global
 * headers, GNU long names) and the global header's `comment`: the commit id
 * `git archive` (and so GitHub) writes there.
 */
export function tarEntries(
  tar: Buffer,
  where: string,
): { entries: TarEntry[]; comment: string | null } {
  const entries: TarEntry[] = [];
  let comment: string | null = null;
  let nextName: string | null = null;
  let at = 0;
  while (at + BLOCK <= tar.length) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12, where);
    const type = text(header, 156, 1) || '0';
    const offset = at + BLOCK;
    if (offset + size > tar.length) throw invalid('it ends inside a member', where);
    const data = tar.subarray(offset, offset + size);
    at = offset + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'g') {
      comment = paxRecords(data).comment ?? comment;
    } else if (type === 'x') {
      nextName = paxRecords(data).path ?? nextName;
    } else if (type === 'L') {
      nextName = text(data, 0, data.length);
    } else if (type !== 'K') {
      const prefix = text(header, 345, 155);
      const plain = text(header, 0, 100);
      entries.push({
        name: nextName ?? (prefix ? `${prefix}/${plain}` : plain),
        type,
        size,
        offset,
      });
      nextName = null;
    }
  }
  return { entries, comment };
}
