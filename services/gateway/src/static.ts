import { readFile, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The dashboard's files, shipped beside dist/ in the package. */
export const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));
export const OPENAPI_FILE = fileURLToPath(new URL('../openapi.yaml', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.yaml': 'application/yaml; charset=utf-8',
};

export interface StaticFile {
  type: string;
  body: Buffer;
}

/**
 * Reads every file of public/ once at start: the set is fixed, so a request
 * can only name one of them and no path ever reaches the file system.
 */
export async function loadStatic(dir = PUBLIC_DIR): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  for (const name of await readdir(dir)) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { type, body: await readFile(join(dir, name)) });
  }
  return files;
}
