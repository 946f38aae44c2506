import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { isIndexedPath } from './files.js';
import type { Source, SourceListing, SourceProblem } from './types.js';

const SKIPPED_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn']);
// Synchronous calls in slices with a turn of the event loop between them:
// much faster than one promise per file for thousands of small files.
const SLICE = 256;

/** `a/b` relative to `base`, always with `/`. */
export function relativeId(base: string, file: string): string {
  return path.relative(base, file).split(path.sep).join('/');
}

/** Every indexed file under `root` (absolute paths, sorted); symbolic links are not followed. */
export async function walkIndexed(
  root: string,
  problems: SourceProblem[],
  label: string,
): Promise<string[]> {
  const found: string[] = [];
  const pending = [root];
  let count = 0;
  while (pending.length) {
    const dir = pending.pop()!;
    if (++count % SLICE === 0) await nextTurn();
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      problems.push({
        file: label,
        message: `cannot read ${dir === root ? 'the source' : 'a folder'}: ${(e as Error).message}`,
      });
      continue;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) pending.push(full);
      } else if (entry.isFile() && isIndexedPath(relativeId(root, full))) found.push(full);
    }
  }
  return found.sort();
}

/** Reads a file, or undefined when it is missing. */
export function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (
      (e as NodeJS.ErrnoException).code === 'ENOENT' ||
      (e as NodeJS.ErrnoException).code === 'ENOTDIR'
    )
      return undefined;
    throw e;
  }
}

/** A folder on disk (`sources: [{path}]`); ids are relative to the config folder. */
export function localSource(options: { path: string; baseDir: string }): Source {
  const root = path.resolve(options.baseDir, options.path);
  const prefix = relativeId(options.baseDir, root);
  const inside = (id: string) => prefix === '' || id === prefix || id.startsWith(`${prefix}/`);
  return {
    kind: 'path',
    name: options.path,
    async list(): Promise<SourceListing> {
      const problems: SourceProblem[] = [];
      const files = await walkIndexed(root, problems, options.path);
      return { ids: files.map((f) => relativeId(options.baseDir, f)), problems };
    },
    read: async (id) => readIfPresent(path.resolve(options.baseDir, id)),
    owns: inside,
    locate(id) {
      if (!inside(id)) return undefined;
      return {
        repository: localRepositoryName(root),
        path: relativeId(root, path.resolve(options.baseDir, id)),
      };
    },
    update: async () => null,
    applyPush: async () => undefined,
    state: () => ({}),
    restore: () => undefined,
  };
}

/** How a path source's repository is named in campaign targets: `local/<folder>`. */
export function localRepositoryName(root: string): string {
  return `local/${path.basename(root).replace(/[^\w.-]/g, '-') || 'local'}`;
}
