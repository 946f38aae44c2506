import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SourceLayout } from './layout.js';

/**
 * The repository that owns a Dockerfile: what its source says (git and
 * GitHub sources know), else, inside a local source, the nearest folder
 * holding `.git`, else the top folder under the source (`repos/payments/...`
 * -> `payments`), else the source folder's own name. Outside every local
 * source (a git source's `<name>/...` path) it is the first path segment.
 */
export function owningRepository(layout: SourceLayout, dockerfile: string): string | null {
  const located = layout.locate?.(dockerfile);
  if (located) return located;
  const absolute = path.resolve(layout.baseDir, dockerfile);
  const roots = layout.sources
    .filter((s): s is { path: string } => typeof (s as { path?: unknown }).path === 'string')
    .map((s) => path.resolve(layout.baseDir, s.path))
    .filter((root) => isInside(absolute, root))
    .sort((a, b) => b.length - a.length);
  const root = roots[0];
  if (!root) {
    const relative = path.relative(layout.baseDir, absolute).split(path.sep);
    return relative.length > 1 && relative[0] !== '..' ? relative[0]! : null;
  }
  for (let dir = path.dirname(absolute); isInside(dir, root); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return path.basename(dir);
    if (dir === root) break;
  }
  const relative = path.relative(root, absolute).split(path.sep);
  return relative.length > 1 ? relative[0]! : path.basename(root);
}

function isInside(file: string, dir: string): boolean {
  const r = path.relative(dir, file);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
}
