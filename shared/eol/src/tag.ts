import type { Catalog } from './catalog.js';

/** A product a tag names, with the version the tag gives for it (if any). */
export interface CyclePart {
  readonly product: string;
  /** A cycle or a longer version (`18`, `3.12.4`, `12` for `bookworm`), or null when the tag gives none. */
  readonly version: string | null;
  /** The part of the tag it was read from. */
  readonly from: string;
  /** Why there is no version, when there is none. */
  readonly note?: string;
}

export interface VariantReading {
  readonly parts: CyclePart[];
  readonly notes: string[];
  /** True when the tag names its base OS (even one the catalog does not cover). */
  readonly namesBase: boolean;
}

// A version at the start of a tag, with the suffixes official images use:
// Java updates (8u392), Temurin builds (17.0.9_9), pre-releases (3.13.0rc1).
const VERSION = /^v?(\d+(?:\.\d+)*)(?:u\d+|_\d+|(?:a|b|rc)\d+)?$/;

/** Tags that follow new releases instead of naming one. */
export const MOVING_TAGS: ReadonlySet<string> = new Set([
  'latest',
  'lts',
  'current',
  'stable',
  'mainline',
  'edge',
  'rolling',
  'devel',
  'testing',
  'unstable',
  'sid',
  'oldstable',
  'oldoldstable',
  'experimental',
  'rc',
  'beta',
  'nightly',
]);

// Debian codenames announced before the bundled data lists them.
// https://wiki.debian.org/DebianReleases
const ANNOUNCED_DEBIAN: Readonly<Record<string, string>> = {
  trixie: '13',
  forky: '14',
  duke: '15',
};

// Parts of official-image tags that say nothing about a product's lifecycle.
const NEUTRAL = new Set([
  'slim',
  'jdk',
  'jre',
  'apache',
  'fpm',
  'cli',
  'zts',
  'management',
  'perl',
  'otel',
  'chiseled',
  'extra',
  'composite',
  'distroless',
  'minimal',
  'nonroot',
  'debug',
  'full',
  'core',
  'headless',
  'ea',
  'temurin',
]);

// Bases the catalog has no data for: named, so not guessed, but not evaluated.
const UNCOVERED_BASE =
  /^(ubi\d*|oraclelinux\d*|oracle|amazonlinux\d*|al2023|al2|azurelinux[\d.]*|cbl|mariner[\d.]*|windowsservercore|nanoserver)$/;

/** The version at the start of a tag part, or null. */
export function readVersion(part: string): string | null {
  return VERSION.exec(part)?.[1] ?? null;
}

/** Codename -> cycle for Debian and Ubuntu, from the catalog plus announced Debian names. */
export function codenames(
  catalog: Catalog,
): ReadonlyMap<string, { product: string; cycle: string }> {
  const map = new Map<string, { product: string; cycle: string }>();
  for (const [word, cycle] of Object.entries(ANNOUNCED_DEBIAN))
    map.set(word, { product: 'debian', cycle });
  for (const product of ['debian', 'ubuntu']) {
    for (const release of catalog.products.get(product)?.releases ?? []) {
      // "Jammy Jellyfish" is tagged `jammy`; "Bookworm" is tagged `bookworm`.
      const word = release.codename?.split(' ')[0]?.toLowerCase();
      if (word) map.set(word, { product, cycle: release.cycle });
    }
  }
  return map;
}

/**
 * Reads the variant parts of a tag (`slim-bookworm`, `alpine3.19`,
 * `jre-jammy`): the base OS and its version when the tag says it, and notes
 * for what it does not understand. Nothing is inferred from defaults.
 */
export function readVariants(
  tokens: readonly string[],
  names: ReadonlyMap<string, { product: string; cycle: string }>,
): VariantReading {
  const parts: CyclePart[] = [];
  const notes: string[] = [];
  let namesBase = false;
  let javaVersion: string | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const base = readBase(token, names);
    if (base) {
      parts.push(base);
      namesBase = true;
      continue;
    }
    if (UNCOVERED_BASE.test(token)) {
      namesBase = true;
      notes.push(`the base "${token}" is not in the end-of-life catalog and was not evaluated`);
      // windowsservercore-ltsc2022, nanoserver-1809: the next part is the Windows release.
      if (
        /^(windowsservercore|nanoserver)$/.test(token) &&
        /^(ltsc\d+|\d+)$/.test(tokens[i + 1] ?? '')
      )
        i++;
      continue;
    }
    const java = /^j(?:dk|re)(\d+)$/.exec(token);
    if (java) {
      javaVersion = java[1]!;
      continue;
    }
    // Java build numbers (b08), snapshot dates (20240110) and bare numbers carry no lifecycle.
    if (NEUTRAL.has(token) || /^(b\d+|\d+)$/.test(token)) continue;
    notes.push(`the tag part "${token}" is not recognised and was ignored`);
  }
  // tomcat:9.0-jdk17-temurin-jammy runs on Eclipse Temurin 17.
  if (javaVersion !== null && tokens.includes('temurin')) {
    parts.push({
      product: 'eclipse-temurin',
      version: javaVersion,
      from: `jdk${javaVersion}-temurin`,
    });
  }
  return { parts, notes, namesBase };
}

/** One tag part naming a base OS: `bookworm`, `jammy`, `alpine3.19`, `ubuntu2204`, `centos7`. */
function readBase(
  token: string,
  names: ReadonlyMap<string, { product: string; cycle: string }>,
): CyclePart | null {
  const named = names.get(token);
  if (named) return { product: named.product, version: named.cycle, from: token };
  const alpine = /^alpine(\d+\.\d+(?:\.\d+)?)?$/.exec(token);
  if (alpine) return withVersion('alpine', alpine[1] ?? null, token);
  const ubuntu = /^ubuntu(?:(\d{2})(\d{2}))?$/.exec(token);
  if (ubuntu) return withVersion('ubuntu', ubuntu[1] ? `${ubuntu[1]}.${ubuntu[2]}` : null, token);
  const debian = /^debian(\d+)?$/.exec(token);
  if (debian) return withVersion('debian', debian[1] ?? null, token);
  const centos = /^centos(\d+)?$/.exec(token);
  if (centos) return withVersion('centos', centos[1] ?? null, token);
  return null;
}

function withVersion(product: string, version: string | null, from: string): CyclePart {
  if (version !== null) return { product, version, from };
  return {
    product,
    version: null,
    from,
    note: `the tag says "${from}" but not which ${product} version`,
  };
}
