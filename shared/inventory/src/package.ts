export const packageSources = ['dpkg', 'apk'] as const;
export type PackageSource = (typeof packageSources)[number];

/** One installed package, as the image's package database records it. */
export interface InstalledPackage {
  /** The package name; `name:arch` when dpkg has it for several architectures. */
  name: string;
  version: string;
  source: PackageSource;
  architecture?: string;
}
