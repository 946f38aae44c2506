export type { InstalledPackage, PackageSource } from './package.js';
export { packageSources } from './package.js';
export { parseControlParagraphs, parseDpkgStatus, qualifyMultiArch } from './dpkg.js';
export { parseApkInstalled } from './apk.js';
export { compareDebianVersions, splitDebianVersion } from './debian-version.js';
export type { DebianVersion } from './debian-version.js';
export { compareApkVersions } from './apk-version.js';
export { compareVersions, diffInventories } from './diff.js';
export type { InventoryDiff, PackageVersion, VersionChange } from './diff.js';
export { verifyBase } from './verify.js';
export type { BaseVerification, ConfigLayers } from './verify.js';
export { OCI_BASE_DIGEST_LABEL, OCI_BASE_NAME_LABEL } from './labels.js';
export { applyLayer, emptyChanges, normalisePath, recordEntry } from './overlay.js';
export type { LayerChanges } from './overlay.js';
export { openLayerTar, readLayerChanges } from './layer-reader.js';
export type { LayerSelection } from './layer-reader.js';
export {
  PACKAGE_DB_PATHS,
  isPackageDbFile,
  packagesFromFiles,
  touchesPackageDb,
} from './package-files.js';
export type { FetchedManifest, ImageSource } from './image-source.js';
export { createFetchImageSource } from './fetch-image-source.js';
export type { BasicCredentials, FetchImageSourceOptions } from './fetch-image-source.js';
export { readImage, readInventory } from './read-image.js';
export type { ImageInventory, ImageOptions, ResolvedImage } from './read-image.js';
export { imageConfigSchema, imageIndexSchema, imageManifestSchema } from './schema.js';
export type { Descriptor, ImageConfig, ImageIndex, ImageManifest } from './schema.js';
