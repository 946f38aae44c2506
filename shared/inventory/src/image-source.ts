import type { Readable } from 'node:stream';
import type { ImageReference } from '@restack/reference';

export interface FetchedManifest {
  /** The digest the manifest's bytes hash to. */
  digest: string;
  /** The Content-Type the registry sent. */
  mediaType: string | null;
  body: Buffer;
}

/**
 * Where images are read from: a registry (`createFetchImageSource`) or
 * anything else that can hand out manifests and blobs, e.g. an adapter
 * over @restack/registry once it streams blobs.
 */
export interface ImageSource {
  /** The manifest (or index) a tag or digest names, its digest checked. */
  manifest(ref: ImageReference, reference: string): Promise<FetchedManifest>;
  /** A blob's bytes as they come, unchecked: the reader verifies the digest. */
  blob(ref: ImageReference, digest: string): Promise<Readable>;
}
