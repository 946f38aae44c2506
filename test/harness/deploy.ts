import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from './cli.js';

export const ARCHITECTURE_SERVICES = [
  'registry-watcher', 'graph', 'dispatcher', 'pr-bot', 'builder', 'scanner', 'lifecycle', 'gateway',
]; // prettier-ignore

/**
 * Every service: those of ARCHITECTURE.md plus every folder under services/.
 * A service is on the bus (`restack service <name>`) when its package depends
 * on @restack/service (or it has no package or no `src/main.ts`); otherwise it
 * is its own process with `src/main.ts` (the admission webhook).
 */
export async function services(): Promise<Map<string, 'bus' | 'process'>> {
  const dir = path.join(repoRoot, 'services');
  const folders = existsSync(dir)
    ? (await readdir(dir, { withFileTypes: true }))
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
    : [];
  const out = new Map<string, 'bus' | 'process'>();
  for (const name of [...new Set([...ARCHITECTURE_SERVICES, ...folders])].sort()) {
    const manifest = path.join(dir, name, 'package.json');
    if (!existsSync(manifest)) {
      out.set(name, 'bus');
      continue;
    }
    const deps = Object.keys(
      (JSON.parse(await readFile(manifest, 'utf8')) as { dependencies?: object }).dependencies ??
        {},
    );
    // A process with its own main.ts may still publish with @restack/bus (admission does).
    const bus = deps.includes('@restack/service');
    out.set(name, bus || !existsSync(path.join(dir, name, 'src', 'main.ts')) ? 'bus' : 'process');
  }
  return out;
}
