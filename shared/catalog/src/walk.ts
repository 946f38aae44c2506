import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { compareText, problem } from './problem.js';
import type { Problem } from './schema.js';

// Folders that never hold an organisation's build files but can be huge.
const SKIPPED_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn']);

/**
 * File system calls are made synchronously in slices of this many, with a
 * turn of the event loop between slices: for thousands of small files this
 * is several times faster than promise-based reads (one thread-pool round
 * trip each for open, stat, read and close) and never blocks for long.
 */
const SLICE = 256;

/** What one folder holds that discovery reads. */
export interface Folder {
  dir: string;
  files: Set<string>;
}

/** A counter that yields to the event loop every SLICE calls. */
export function slicer(): () => Promise<void> {
  let count = 0;
  return async () => {
    if (++count % SLICE === 0) await nextTurn();
  };
}

/** Every folder under root with the names of its regular files (symbolic links are not followed). */
export async function walk(root: string, problems: Problem[]): Promise<Folder[]> {
  const folders: Folder[] = [];
  const pending = [root];
  const tick = slicer();
  while (pending.length) {
    const dir = pending.pop()!;
    await tick();
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      problems.push(
        problem(
          'catalog.unreadable',
          dir,
          null,
          `cannot read the folder: ${message(e)}`,
          'check the folder exists and is readable',
        ),
      );
      continue;
    }
    const files = new Set<string>();
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) pending.push(path.join(dir, entry.name));
      } else if (entry.isFile()) files.add(entry.name);
    }
    folders.push({ dir, files });
  }
  return folders.sort((a, b) => compareText(a.dir, b.dir));
}

/** A file's text, or undefined with a problem when it cannot be read. */
export function readText(file: string, problems: Problem[]): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    problems.push(
      problem(
        'catalog.unreadable',
        file,
        null,
        `cannot read the file: ${message(e)}`,
        'check the file exists and is readable',
      ),
    );
    return undefined;
  }
}

/**
 * Is this file name a Dockerfile? `Dockerfile`, `*.Dockerfile`, `Dockerfile.*`,
 * `Containerfile` and `Containerfile.*`, without regard to case; not `.dockerignore` files.
 */
export function isDockerfileName(name: string): boolean {
  const lower = name.toLowerCase();
  if (lower.endsWith('.dockerignore')) return false;
  return (
    lower === 'dockerfile' ||
    lower === 'containerfile' ||
    lower.endsWith('.dockerfile') ||
    lower.startsWith('dockerfile.') ||
    lower.startsWith('containerfile.')
  );
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
