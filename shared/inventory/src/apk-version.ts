/**
 * Alpine version ordering, as `apk version -t` does it:
 * `digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#}`. Tokens are compared
 * in turn; when one version runs out first it is the older one, unless the
 * other continues with a pre-release suffix (`_alpha`, `_beta`, `_pre`, `_rc`).
 * https://gitlab.alpinelinux.org/alpine/apk-tools/-/blob/master/src/version.c
 * https://wiki.alpinelinux.org/wiki/APKBUILD_Reference#pkgver
 */
export function compareApkVersions(a: string, b: string): number {
  const ta = tokenizer(a.trim());
  const tb = tokenizer(b.trim());
  let x = ta.first();
  let y = tb.first();
  while (x.kind === y.kind && x.kind < Kind.End) {
    const r = compareTokens(x, y);
    if (r !== 0) return r;
    x = ta.next(x);
    y = tb.next(y);
  }
  if (x.kind === y.kind) return 0;
  // The longer version is newer unless what it adds is a pre-release suffix.
  if (x.kind === Kind.Suffix && x.suffix < SUFFIX_NONE) return -1;
  if (y.kind === Kind.Suffix && y.suffix < SUFFIX_NONE) return 1;
  return x.kind > y.kind ? -1 : 1;
}

/** Token kinds in the order they may follow each other; End and Invalid last. */
const Kind = {
  InitialDigit: 0,
  Digit: 1,
  Letter: 2,
  Suffix: 3,
  SuffixNumber: 4,
  CommitHash: 5,
  Revision: 6,
  End: 7,
  Invalid: 8,
} as const;
type TokenKind = (typeof Kind)[keyof typeof Kind];

/** Pre-release suffixes sort before no suffix, post-release ones after. */
const SUFFIXES = ['alpha', 'beta', 'pre', 'rc', '', 'cvs', 'svn', 'git', 'hg', 'p'] as const;
const SUFFIX_NONE = SUFFIXES.indexOf('');

interface Token {
  kind: TokenKind;
  /** The token's text (digits, letter, hash). */
  text: string;
  /** Digits as a number (BigInt: dates like 20240101123456 are common). */
  number: bigint;
  suffix: number;
}

function tokenizer(version: string) {
  let pos = 0;
  const token = (kind: TokenKind, text = '', suffix = -1): Token => ({
    kind,
    text,
    number: /^\d+$/.test(text) ? BigInt(text) : 0n,
    suffix,
  });
  function digits(kind: TokenKind): Token {
    const m = /^\d+/.exec(version.slice(pos));
    if (!m) return token(Kind.Invalid);
    pos += m[0].length;
    return token(kind, m[0]);
  }
  return {
    first: () => digits(Kind.InitialDigit),
    next(previous: Token): Token {
      if (pos >= version.length) return token(Kind.End);
      const c = version.charAt(pos);
      const prev = previous.kind;
      if (c >= 'a' && c <= 'z') {
        if (prev > Kind.Digit) return token(Kind.Invalid);
        pos++;
        return token(Kind.Letter, c);
      }
      if (c === '.' || (c >= '0' && c <= '9')) {
        if (c === '.') {
          if (prev > Kind.Digit) return token(Kind.Invalid);
          pos++;
        }
        if (prev === Kind.InitialDigit || prev === Kind.Digit) return digits(Kind.Digit);
        if (prev === Kind.Suffix) return digits(Kind.SuffixNumber);
        return token(Kind.Invalid);
      }
      if (c === '_') {
        if (prev > Kind.SuffixNumber) return token(Kind.Invalid);
        const name = /^[a-z]*/.exec(version.slice(pos + 1))?.[0] ?? '';
        const suffix = name === '' ? -1 : SUFFIXES.indexOf(name as (typeof SUFFIXES)[number]);
        if (suffix === -1) return token(Kind.Invalid);
        pos += 1 + name.length;
        return token(Kind.Suffix, name, suffix);
      }
      if (c === '~') {
        if (prev >= Kind.CommitHash) return token(Kind.Invalid);
        const hash = /^[0-9a-fA-F]+/.exec(version.slice(pos + 1))?.[0];
        if (!hash) return token(Kind.Invalid);
        pos += 1 + hash.length;
        return token(Kind.CommitHash, hash);
      }
      if (c === '-') {
        if (prev >= Kind.Revision || version.charAt(pos + 1) !== 'r') return token(Kind.Invalid);
        pos += 2;
        return digits(Kind.Revision);
      }
      return token(Kind.Invalid);
    },
  };
}

function compareTokens(x: Token, y: Token): number {
  switch (x.kind) {
    case Kind.Digit:
      // A leading zero makes apk compare the digits as text (Gentoo's rule: 1.01 < 1.1).
      if (x.text.startsWith('0') || y.text.startsWith('0')) return compareText(x.text, y.text);
      return compareBig(x.number, y.number);
    case Kind.InitialDigit:
    case Kind.SuffixNumber:
    case Kind.Revision:
      return compareBig(x.number, y.number);
    case Kind.Letter:
      return compareText(x.text, y.text);
    case Kind.Suffix:
      return x.suffix === y.suffix ? 0 : x.suffix < y.suffix ? -1 : 1;
    default:
      return compareText(x.text, y.text);
  }
}

function compareBig(a: bigint, b: bigint): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function compareText(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}
