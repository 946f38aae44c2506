/**
 * Debian version ordering, as `dpkg --compare-versions` does it:
 * `[epoch:]upstream[-revision]`, compared epoch (numerically), then upstream,
 * then revision, each with dpkg's verrevcmp: runs of non-digits compare
 * character by character (`~` before everything, even the end; letters before
 * other characters), runs of digits compare numerically.
 * https://www.debian.org/doc/debian-policy/ch-controlfields.html#version
 * https://git.dpkg.org/cgit/dpkg/dpkg.git/tree/lib/dpkg/version.c
 */
export function compareDebianVersions(a: string, b: string): number {
  const va = splitDebianVersion(a);
  const vb = splitDebianVersion(b);
  if (va.epoch !== vb.epoch) return va.epoch < vb.epoch ? -1 : 1;
  return sign(verrevcmp(va.upstream, vb.upstream)) || sign(verrevcmp(va.revision, vb.revision));
}

export interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

export function splitDebianVersion(version: string): DebianVersion {
  let rest = version.trim();
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon !== -1 && /^\d+$/.test(rest.slice(0, colon))) {
    epoch = Number(rest.slice(0, colon));
    rest = rest.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  if (hyphen === -1) return { epoch, upstream: rest, revision: '' };
  return { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) };
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** dpkg's order(): `~` < end of string < letters < everything else. */
function order(c: string): number {
  if (c === '') return 0;
  if (isDigit(c)) return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  const at = (s: string, k: number) => (k < s.length ? s.charAt(k) : '');
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(at(a, i))) || (j < b.length && !isDigit(at(b, j)))) {
      const ac = order(at(a, i));
      const bc = order(at(b, j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (at(a, i) === '0') i++;
    while (at(b, j) === '0') j++;
    let firstDiff = 0;
    while (isDigit(at(a, i)) && isDigit(at(b, j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(at(a, i))) return 1;
    if (isDigit(at(b, j))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}
