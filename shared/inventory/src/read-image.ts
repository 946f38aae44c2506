import { finished } from 'node:stream/promises';
import { RestackError } from '@restack/core';
import { parseReference, type ImageReference } from '@restack/reference';
import type { ImageSource } from './image-source.js';
import { digestTap, openLayerTar, readLayerChanges } from './layer-reader.js';
import { applyLayer } from './overlay.js';
import type { InstalledPackage } from './package.js';
import { isPackageDbFile, packagesFromFiles, touchesPackageDb } from './package-files.js';
import {
  imageConfigSchema,
  imageIndexSchema,
  imageManifestSchema,
  type ImageConfig,
  type ImageManifest,
} from './schema.js';

export interface ImageOptions {
  /** For an image index: which platform. Default `linux/amd64`. */
  platform?: string;
}

export interface ResolvedImage {
  reference: ImageReference;
  /** The platform image's manifest digest (not the index's). */
  digest: string;
  manifest: ImageManifest;
  configDigest: string;
  config: ImageConfig;
}

export interface ImageInventory extends ResolvedImage {
  packages: InstalledPackage[];
}

function invalid(where: string, why: string): RestackError {
  return new RestackError('INVENTORY_IMAGE_INVALID', `${where}: ${why}`, {
    where,
    fix: 'check that the image was pushed by a conforming tool; `podman manifest inspect` shows what the registry holds',
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function toReference(text: string): ImageReference {
  const parsed = parseReference(text);
  if (!parsed.ok) {
    throw new RestackError(
      'INVENTORY_REFERENCE_INVALID',
      `"${text}" is not an image reference: ${parsed.error}`,
      {
        where: text,
        fix: 'name the image as registry.example/team/app:tag or @sha256:...',
      },
    );
  }
  return parsed.ref;
}

/** The manifest and config an image reference names (an index resolved to one platform). */
export async function readImage(
  source: ImageSource,
  reference: string | ImageReference,
  options: ImageOptions = {},
): Promise<ResolvedImage> {
  const ref = typeof reference === 'string' ? toReference(reference) : reference;
  const where = ref.digest ? `${ref.name}@${ref.digest}` : `${ref.name}:${ref.tag ?? 'latest'}`;
  let fetched = await source.manifest(ref, ref.digest ?? ref.tag ?? 'latest');
  let json = parseJson(fetched.body);
  const index = imageIndexSchema.safeParse(json);
  if (index.success && !('config' in (json as object))) {
    const [os, architecture, variant] = (options.platform ?? 'linux/amd64').split('/');
    const chosen = index.data.manifests.find(
      ({ platform }) =>
        platform !== undefined &&
        platform.os === os &&
        platform.architecture === architecture &&
        (variant === undefined || platform.variant === variant),
    );
    if (!chosen)
      throw invalid(where, `the image index has no ${options.platform ?? 'linux/amd64'} image`);
    fetched = await source.manifest(ref, chosen.digest);
    json = parseJson(fetched.body);
  }
  const manifest = imageManifestSchema.safeParse(json);
  if (!manifest.success)
    throw invalid(where, 'the manifest is not an OCI or Docker v2 image manifest');
  const configDigest = manifest.data.config.digest;
  const configBytes = await readBlob(source, ref, configDigest, where);
  const config = imageConfigSchema.safeParse(parseJson(configBytes));
  if (!config.success)
    throw invalid(where, `the config blob ${configDigest} is not an OCI image config`);
  return {
    reference: ref,
    digest: fetched.digest,
    manifest: manifest.data,
    configDigest,
    config: config.data,
  };
}

async function readBlob(
  source: ImageSource,
  ref: ImageReference,
  digest: string,
  where: string,
): Promise<Buffer> {
  const stream = await source.blob(ref, digest);
  const { tap, digest: actual } = digestTap(digest.slice(0, digest.indexOf(':')));
  const chunks: Buffer[] = [];
  for await (const chunk of stream.pipe(tap)) chunks.push(chunk as Buffer);
  if (actual() !== digest) throw invalid(where, `the blob ${digest} hashes to ${actual()}`);
  return Buffer.concat(chunks);
}

/**
 * The packages installed in an image: its layers are read in order as
 * streams, whiteouts applied, and only the package databases kept
 * (dpkg `status` and `status.d/*`, apk `installed`).
 */
export async function readInventory(
  source: ImageSource,
  reference: string | ImageReference,
  options: ImageOptions = {},
): Promise<ImageInventory> {
  const image = await readImage(source, reference, options);
  const where = `${image.reference.name}@${image.digest}`;
  const merged = new Map<string, Buffer>();
  const selection = { wants: isPackageDbFile, matters: touchesPackageDb };
  for (const layer of image.manifest.layers) {
    const layerWhere = `${where} layer ${layer.digest}`;
    const blob = await source.blob(image.reference, layer.digest);
    const { tap, digest } = digestTap(layer.digest.slice(0, layer.digest.indexOf(':')));
    blob.on('error', (e) => tap.destroy(e));
    const layerTar = await openLayerTar(blob.pipe(tap), layerWhere);
    const changes = await readLayerChanges(layerTar, selection, layerWhere);
    // The digest needs every byte; the tar reader consumes the stream to its end.
    await finished(tap);
    if (digest() !== layer.digest) throw invalid(layerWhere, `the layer hashes to ${digest()}`);
    applyLayer(merged, changes);
  }
  return { ...image, packages: packagesFromFiles(merged) };
}
