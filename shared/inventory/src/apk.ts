import type { InstalledPackage } from './package.js';

/**
 * Installed packages from Alpine's `lib/apk/db/installed`: one block per
 * package, lines `X:value` with a one-letter key (P name, V version,
 * A architecture), blocks separated by a blank line.
 * https://wiki.alpinelinux.org/wiki/Apk_spec#Installed_Database_V2
 */
export function parseApkInstalled(text: string): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  let block: Record<string, string> = {};
  const flush = () => {
    const { P: name, V: version, A: architecture } = block;
    if (name && version) {
      packages.push({ name, version, source: 'apk', ...(architecture ? { architecture } : {}) });
    }
    block = {};
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') {
      flush();
      continue;
    }
    // Only the first of each key matters (P, V, A appear once per block).
    if (line.length >= 2 && line.charAt(1) === ':') block[line.charAt(0)] ??= line.slice(2).trim();
  }
  flush();
  return packages;
}
