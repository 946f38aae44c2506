import { errorMessage } from '@restack/core';
import {
  OCI_BASE_DIGEST_LABEL,
  OCI_BASE_NAME_LABEL,
  compareVersions,
  readInventory,
  type ImageConfig,
  type ImageSource,
  type InstalledPackage,
} from '@restack/inventory';
import { parseReference } from '@restack/reference';
import { findingKey, type Vulnerability, type VulnerabilityScanner } from './vulnerability.js';

/** The base an image was built on, and what its tag points at now. */
export interface BaseState {
  /** The base tag: from the `org.opencontainers.image.base.name` label, else the Dockerfile FROM. */
  ref: string;
  source: 'label' | 'dockerfile';
  /** The digest the image was built on (its base.digest label); null when unknown. */
  builtOn: string | null;
  /** What the tag resolves to now. */
  current: string;
  /** The tag moved past what the image was built on. */
  newer: boolean;
  /** The newer base's packages, when it is newer and could be read. */
  packages: InstalledPackage[] | null;
  /** The newer base's findings, when it is newer and a scanner could scan it. */
  findings: Set<string> | null;
  /** What could not be read, so a "not fixable" is explained. */
  notes: string[];
}

export interface FixableVerdict {
  fixable: boolean;
  /** A sentence a user reads: why it is (or is not) fixed by rebuilding on the newer base. */
  reason: string;
  /** The package's version in the newer base; null when the base does not have it or is not newer. */
  baseVersion: string | null;
  /** Whether a scan of the newer base still shows the finding; null when it was not scanned. */
  baseScanShows: boolean | null;
}

export interface BasePorts {
  images: ImageSource;
  scanner: VulnerabilityScanner | null;
  insecure?: (host: string) => boolean;
  signal?: AbortSignal;
}

/** The image's base tag from its OCI labels, else the first FROM the caller knows. */
export function baseOf(
  config: ImageConfig,
  dockerfileRefs: readonly string[] = [],
): { ref: string; source: 'label' | 'dockerfile'; builtOn: string | null } | null {
  const labels = config.config?.Labels ?? {};
  const name = labels[OCI_BASE_NAME_LABEL];
  const digest = labels[OCI_BASE_DIGEST_LABEL] || null;
  if (name) return { ref: name, source: 'label', builtOn: digest };
  const from = dockerfileRefs.find((r) => r !== 'scratch');
  return from ? { ref: from, source: 'dockerfile', builtOn: digest } : null;
}

/**
 * Reads the base tag as it is now: its digest and, when it moved past what
 * the image was built on, its packages and (with a scanner) its findings.
 * Without a base.digest label, "moved" means the image's layers do not start
 * with the current base's layers.
 */
export async function readBaseState(
  ports: BasePorts,
  image: ImageConfig,
  base: { ref: string; source: 'label' | 'dockerfile'; builtOn: string | null },
): Promise<BaseState> {
  const parsed = parseReference(base.ref);
  if (!parsed.ok) throw new Error(`the base "${base.ref}" is not an image reference`);
  const ref = parsed.ref;
  const top = await ports.images.manifest(ref, ref.digest ?? ref.tag ?? 'latest');
  const inventory = await readInventory(ports.images, `${ref.name}@${top.digest}`);
  const newer =
    base.builtOn !== null
      ? base.builtOn !== top.digest && base.builtOn !== inventory.digest
      : !startsWith(image.rootfs.diff_ids, inventory.config.rootfs.diff_ids);
  const state: BaseState = {
    ref: base.ref,
    source: base.source,
    builtOn: base.builtOn,
    current: top.digest,
    newer,
    packages: newer ? inventory.packages : null,
    findings: null,
    notes: [],
  };
  if (newer && ports.scanner) {
    try {
      const report = await ports.scanner.scan(`${ref.name}@${top.digest}`, {
        insecure: ports.insecure?.(ref.domain) ?? false,
        ...(ports.signal ? { signal: ports.signal } : {}),
      });
      state.findings = new Set(report.vulnerabilities.map(findingKey));
    } catch (e) {
      state.notes.push(`the newer base could not be scanned: ${errorMessage(e)}`);
    }
  }
  return state;
}

function startsWith(child: readonly string[], base: readonly string[]): boolean {
  return base.length > 0 && base.every((id, i) => child[i] === id);
}

/** dpkg names a package `name:arch` when it is installed for several architectures. */
function findPackage(packages: readonly InstalledPackage[], name: string) {
  return packages.find((p) => p.name === name || p.name.split(':')[0] === name);
}

/**
 * Whether rebuilding on the newer base fixes one finding: the newer base
 * has the package (so the base, not the image's own layers, ships it), and
 * either a scan of the newer base no longer shows the finding or the
 * package's version there is at least the fixed version (dpkg or apk ordering).
 */
export function fixableByBase(v: Vulnerability, base: BaseState | null): FixableVerdict {
  const no = (reason: string): FixableVerdict => ({
    fixable: false,
    reason,
    baseVersion: null,
    baseScanShows: null,
  });
  if (base === null) return no('the image names no base (no base label, no known FROM)');
  if (!base.newer) {
    return no(
      v.fixedVersion
        ? `the base ${base.ref} has no newer digest yet; a fix exists upstream (${v.fixedVersion})`
        : `no fix is available yet, and the base ${base.ref} has no newer digest`,
    );
  }
  if (base.packages === null) return no(`the newer base ${base.ref} could not be read`);
  const pkg = findPackage(base.packages, v.package);
  if (!pkg) {
    return no(
      `${v.package} is not in the base ${base.ref}: the image installs it itself, a rebuild on the base does not change it`,
    );
  }
  const shows = base.findings ? base.findings.has(findingKey(v)) : null;
  const atFixed =
    v.fixedVersion !== null && compareVersions(pkg.source, pkg.version, v.fixedVersion) >= 0;
  const verdict = { baseVersion: pkg.version, baseScanShows: shows };
  if (atFixed) {
    return {
      fixable: true,
      reason: `the newer base ${base.ref}@${base.current} has ${v.package} ${pkg.version}, at or after the fixed version ${v.fixedVersion}`,
      ...verdict,
    };
  }
  if (shows === false) {
    return {
      fixable: true,
      reason: `a scan of the newer base ${base.ref}@${base.current} no longer shows ${v.id} (${v.package} ${pkg.version})`,
      ...verdict,
    };
  }
  return {
    fixable: false,
    reason: v.fixedVersion
      ? `the newer base ${base.ref} still has ${v.package} ${pkg.version}, before the fixed version ${v.fixedVersion}`
      : `no fix is available yet; the newer base ${base.ref} still has ${v.package} ${pkg.version}`,
    ...verdict,
  };
}
