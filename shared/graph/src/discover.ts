import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isDockerfileName } from '@restack/catalog';

export { isDockerfileName };

// Folders that never hold an organisation's Dockerfiles but can be huge.
const SKIPPED_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn']);

/** Every Dockerfile under `root`, as absolute paths in sorted order. */
export async function findDockerfiles(root: string): Promise<string[]> {
  const found: string[] = [];
  // Sibling folders are read concurrently, one level at a time: a deep tree
  // costs as many round trips as it has levels, not folders.
  let level = [root];
  while (level.length) {
    const next: string[] = [];
    const listings = await Promise.all(level.map((dir) => readdir(dir, { withFileTypes: true })));
    listings.forEach((entries, i) => {
      for (const entry of entries) {
        const full = path.join(level[i]!, entry.name);
        if (entry.isDirectory()) {
          if (!SKIPPED_DIRS.has(entry.name)) next.push(full);
        } else if (entry.isFile() && isDockerfileName(entry.name)) {
          found.push(full);
        }
      }
    });
    level = next;
  }
  return found.sort();
}

/** `a/b/Dockerfile` relative to `base`, always with `/`. */
export function relativePosix(base: string, file: string): string {
  return path.relative(base, file).split(path.sep).join('/');
}
