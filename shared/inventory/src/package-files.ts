import { parseApkInstalled } from './apk.js';
import { parseDpkgStatus, qualifyMultiArch } from './dpkg.js';
import type { InstalledPackage } from './package.js';

/** Where package databases live in an image's filesystem. */
export const PACKAGE_DB_PATHS = {
  dpkgStatus: 'var/lib/dpkg/status',
  dpkgStatusDir: 'var/lib/dpkg/status.d',
  apkInstalled: ['lib/apk/db/installed', 'usr/lib/apk/db/installed'],
} as const;

const ROOTS = [
  PACKAGE_DB_PATHS.dpkgStatus,
  PACKAGE_DB_PATHS.dpkgStatusDir,
  ...PACKAGE_DB_PATHS.apkInstalled,
];

/** Whether a file's content is needed: a package database file. */
export function isPackageDbFile(path: string): boolean {
  if (path === PACKAGE_DB_PATHS.dpkgStatus) return true;
  if ((PACKAGE_DB_PATHS.apkInstalled as readonly string[]).includes(path)) return true;
  const prefix = `${PACKAGE_DB_PATHS.dpkgStatusDir}/`;
  if (!path.startsWith(prefix)) return false;
  const name = path.slice(prefix.length);
  // distroless keeps `<pkg>.md5sums` beside each `<pkg>` control file.
  return name !== '' && !name.includes('/') && !name.endsWith('.md5sums');
}

/** Whether an entry at this path can hide or replace a package database (an ancestor, or inside one). */
export function touchesPackageDb(path: string): boolean {
  return ROOTS.some(
    (root) =>
      path === '' || root === path || root.startsWith(`${path}/`) || path.startsWith(`${root}/`),
  );
}

/** The packages the merged package database files list, sorted by source and name. */
export function packagesFromFiles(files: Map<string, Buffer>): InstalledPackage[] {
  const found: InstalledPackage[] = [];
  for (const [path, content] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const text = content.toString('utf8');
    if (
      path === PACKAGE_DB_PATHS.dpkgStatus ||
      path.startsWith(`${PACKAGE_DB_PATHS.dpkgStatusDir}/`)
    ) {
      found.push(...parseDpkgStatus(text));
    } else {
      found.push(...parseApkInstalled(text));
    }
  }
  const seen = new Set<string>();
  const unique = found.filter((p) => {
    const key = `${p.source}\0${p.name}\0${p.architecture ?? ''}\0${p.version}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return qualifyMultiArch(unique).sort(
    (a, b) => a.source.localeCompare(b.source) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}
