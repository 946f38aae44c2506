import { compareApkVersions } from './apk-version.js';
import { compareDebianVersions } from './debian-version.js';
import type { InstalledPackage, PackageSource } from './package.js';

export interface PackageVersion {
  name: string;
  version: string;
}

export interface VersionChange {
  name: string;
  from: string;
  to: string;
}

export interface InventoryDiff {
  added: PackageVersion[];
  removed: PackageVersion[];
  upgraded: VersionChange[];
  downgraded: VersionChange[];
}

/** Version ordering of each package manager. */
export function compareVersions(source: PackageSource, a: string, b: string): number {
  return source === 'apk' ? compareApkVersions(a, b) : compareDebianVersions(a, b);
}

function keyOf(p: InstalledPackage): string {
  return `${p.source}\0${p.name}`;
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * What changed between two inventories of an image. Versions are compared
 * with the package manager's own ordering (dpkg's or apk's), so `1.0~rc1`
 * to `1.0` is an upgrade; versions equal under that ordering (`1.01` and
 * `1.1`) are no change.
 */
export function diffInventories(
  before: InstalledPackage[],
  after: InstalledPackage[],
): InventoryDiff {
  const old = new Map(before.map((p) => [keyOf(p), p]));
  const now = new Map(after.map((p) => [keyOf(p), p]));
  const diff: InventoryDiff = { added: [], removed: [], upgraded: [], downgraded: [] };
  for (const [key, p] of now) {
    const was = old.get(key);
    if (was === undefined) {
      diff.added.push({ name: p.name, version: p.version });
      continue;
    }
    const order = compareVersions(p.source, p.version, was.version);
    if (order > 0) diff.upgraded.push({ name: p.name, from: was.version, to: p.version });
    if (order < 0) diff.downgraded.push({ name: p.name, from: was.version, to: p.version });
  }
  for (const [key, p] of old) {
    if (!now.has(key)) diff.removed.push({ name: p.name, version: p.version });
  }
  diff.added.sort(byName);
  diff.removed.sort(byName);
  diff.upgraded.sort(byName);
  diff.downgraded.sort(byName);
  return diff;
}
