import { pushImage, type FileSpec, type PushedImage } from './images.js';

export interface BasePackage {
  name: string;
  version: string;
  architecture?: string;
}

/** How the image records its packages: Debian's status file, distroless' status.d, or Alpine's db. */
export type PackageDb = 'dpkg' | 'dpkg-status.d' | 'apk';

export interface BaseImageSpec {
  packages: BasePackage[];
  db?: PackageDb;
  /** RFC 3339; default a fixed date so digests are reproducible. */
  created?: string;
  labels?: Record<string, string>;
}

/** One dpkg status paragraph, as `dpkg` writes it (fields a scanner sees in the wild). */
export function dpkgParagraph(p: BasePackage): string {
  return [
    `Package: ${p.name}`,
    'Status: install ok installed',
    'Priority: optional',
    'Section: libs',
    'Installed-Size: 120',
    'Maintainer: Debian Maintainers <debian@example.org>',
    `Architecture: ${p.architecture ?? 'amd64'}`,
    `Version: ${p.version}`,
    'Description: test package',
    ` ${p.name} is part of a restack test base image.`,
    ' .',
    ' It has a multi-line description, as real packages do.',
  ].join('\n');
}

export function dpkgStatus(packages: BasePackage[]): string {
  return `${packages.map(dpkgParagraph).join('\n\n')}\n`;
}

/** Alpine's `lib/apk/db/installed`: one block of single-letter fields per package. */
export function apkInstalled(packages: BasePackage[]): string {
  const blocks = packages.map((p) =>
    [
      'C:Q1abcdefghijklmnopqrstuvwxyz012345=',
      `P:${p.name}`,
      `V:${p.version}`,
      `A:${p.architecture ?? 'x86_64'}`,
      'S:100000',
      'I:200000',
      'T:test package',
      'U:https://example.org',
      'L:MIT',
      'F:usr/lib',
      `R:${p.name}.so.1`,
    ].join('\n'),
  );
  return `${blocks.join('\n\n')}\n\n`;
}

function packageFiles(spec: BaseImageSpec): Record<string, FileSpec> {
  const db = spec.db ?? 'dpkg';
  if (db === 'apk') return { 'lib/apk/db/installed': apkInstalled(spec.packages) };
  if (db === 'dpkg') return { 'var/lib/dpkg/status': dpkgStatus(spec.packages) };
  return Object.fromEntries(
    spec.packages.map((p) => [`var/lib/dpkg/status.d/${p.name}`, `${dpkgParagraph(p)}\n`]),
  );
}

/**
 * Pushes a base image with a shell: layer 1 is Debian's static busybox (with
 * /bin/sh, so RUN steps work), layer 2 the package database listing
 * `spec.packages`. Two versions of a base share layer 1, as real base
 * rebuilds share most of their content.
 */
export async function pushBaseImage(
  registryUrl: string,
  repo: string,
  tag: string,
  spec: BaseImageSpec,
): Promise<PushedImage> {
  return pushImage(registryUrl, repo, tag, {
    layers: [
      { busybox: true, files: { 'tmp/.keep': '' } },
      { files: { ...packageFiles(spec), 'etc/restack-base': `${repo}:${tag}\n` } },
    ],
    config: {
      ...(spec.created ? { created: spec.created } : {}),
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      cmd: ['/bin/sh'],
      ...(spec.labels ? { labels: spec.labels } : {}),
    },
  });
}

/**
 * Moves `tag` to a new version of the base: the same first layer, a package
 * database where `upgrades` replaced the versions. Returns the new image.
 */
export async function moveBaseTag(
  registryUrl: string,
  repo: string,
  tag: string,
  previous: BaseImageSpec,
  upgrades: Record<string, string>,
): Promise<{ image: PushedImage; spec: BaseImageSpec }> {
  const spec: BaseImageSpec = {
    ...previous,
    created: previous.created === undefined ? '2024-02-01T00:00:00Z' : bumpDate(previous.created),
    packages: previous.packages.map((p) => ({ ...p, version: upgrades[p.name] ?? p.version })),
  };
  return { image: await pushBaseImage(registryUrl, repo, tag, spec), spec };
}

function bumpDate(rfc3339: string): string {
  const d = new Date(rfc3339);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}
