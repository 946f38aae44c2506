/**
 * What restack knows about one image, from its registry config, and the
 * ports that find it out. Handlers depend on these interfaces only.
 */

/** OCI annotations for the base an image was built FROM, also used as labels by BuildKit and podman. https://github.com/opencontainers/image-spec/blob/main/annotations.md */
export const BASE_DIGEST_LABEL = 'org.opencontainers.image.base.digest';
export const BASE_NAME_LABEL = 'org.opencontainers.image.base.name';

export interface ImageFacts {
  /** The reference that was looked up, normalised: `docker.io/library/debian:12`. */
  reference: string;
  /** The platform image's manifest digest. */
  digest: string;
  /** The config's `created`, as written, or null. */
  created: string | null;
  labels: Record<string, string>;
  /** `rootfs.diff_ids`, base layers first. */
  diffIds: string[];
  /** The config's `User` ("" means root), or null when it could not be read. */
  user: string | null;
  /** `ExposedPorts` keys such as `22/tcp`, or null when they could not be read. */
  exposedPorts: string[] | null;
  /** When the registry says it was pushed; null when it does not say. */
  pushedAt: string | null;
  /** Why `pushedAt` is null. */
  pushedNote: string | null;
  /** Why `user` or `exposedPorts` is null. */
  configNote: string | null;
}

export type InspectResult =
  { ok: true; facts: ImageFacts } | { ok: false; kind: string; reason: string };

/** Looks an image up in its registry. Never throws: a failure is a value. */
export interface ImageInspector {
  inspect(reference: string): Promise<InspectResult>;
}

/** One digest a tag pointed at, as restack saw it. */
export interface BaseSighting {
  /** What the tag resolved to (an index or a manifest). */
  digest: string;
  /** Other digests of the same image: the platform manifest of an index. */
  aliases?: string[];
  /** When restack first saw the tag at this digest, or null when it does not know. */
  firstSeenAt: string | null;
  /** The image's `created`, when known. */
  created: string | null;
  /** The image's diff_ids, when known (for matching children that carry no labels). */
  diffIds: string[] | null;
}

/** The history of base tags, from the watcher's state (service) or the registry right now (CLI). */
export interface BaseHistory {
  /** What the tag pointed at, oldest first; the last entry is what it points at now. */
  history(ref: string): Promise<BaseSighting[]>;
  /** Candidate bases for an image without labels: every known base digest with its diff_ids. */
  candidates(image: ImageFacts): Promise<Array<{ ref: string; sighting: BaseSighting }>>;
  /** Which clock `firstSeenAt` comes from, for reports. */
  readonly kind: 'first-seen' | 'registry-now';
}

/** When restack first saw a digest (the watcher's KV); absent in one-shot runs. */
export interface FirstSeenSource {
  firstSeen(reference: string, digest: string): Promise<Date | null>;
}
