import type { InstalledPackage } from './package.js';

/**
 * dpkg's "installed" states: the package's files are on disk. `not-installed`,
 * `config-files` and `half-installed` (a failed unpack) are left out.
 * https://man7.org/linux/man-pages/man1/dpkg-query.1.html (Package states)
 */
const PRESENT_STATES = new Set([
  'installed',
  'unpacked',
  'half-configured',
  'triggers-awaited',
  'triggers-pending',
]);

/**
 * Splits a Debian control file into paragraphs of fields (deb822): `Name: value`,
 * continuation lines start with a space or tab, blank lines end a paragraph.
 * Lines that fit none of these are skipped: an odd file never fails a scan.
 * https://www.debian.org/doc/debian-policy/ch-controlfields.html#syntax-of-control-files
 */
export function parseControlParagraphs(text: string): Array<Map<string, string>> {
  const paragraphs: Array<Map<string, string>> = [];
  let current = new Map<string, string>();
  let last: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') {
      if (current.size > 0) paragraphs.push(current);
      current = new Map();
      last = null;
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last !== null) current.set(last, `${current.get(last) ?? ''}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    current.set(last, line.slice(colon + 1).trim());
  }
  if (current.size > 0) paragraphs.push(current);
  return paragraphs;
}

/**
 * Installed packages from `var/lib/dpkg/status`, or from one file of
 * distroless' `var/lib/dpkg/status.d/` (same format, often without Status,
 * which then means installed).
 */
export function parseDpkgStatus(text: string): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  for (const fields of parseControlParagraphs(text)) {
    const name = fields.get('package');
    const version = fields.get('version');
    if (!name || !version) continue;
    const status = fields.get('status');
    // "want flag status", e.g. "install ok installed"
    if (status !== undefined && !PRESENT_STATES.has(status.split(/\s+/)[2] ?? '')) continue;
    const architecture = fields.get('architecture');
    packages.push({ name, version, source: 'dpkg', ...(architecture ? { architecture } : {}) });
  }
  return packages;
}

/**
 * dpkg names a package installed for several architectures `name:arch`
 * (`libc6:amd64`, `libc6:i386`); a package installed once keeps its bare name.
 */
export function qualifyMultiArch(packages: InstalledPackage[]): InstalledPackage[] {
  const arches = new Map<string, Set<string>>();
  for (const p of packages) {
    if (p.source !== 'dpkg') continue;
    const set = arches.get(p.name) ?? new Set<string>();
    set.add(p.architecture ?? '');
    arches.set(p.name, set);
  }
  return packages.map((p) =>
    p.source === 'dpkg' && (arches.get(p.name)?.size ?? 0) > 1 && p.architecture
      ? { ...p, name: `${p.name}:${p.architecture}` }
      : p,
  );
}
