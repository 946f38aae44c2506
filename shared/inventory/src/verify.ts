import { OCI_BASE_DIGEST_LABEL } from './labels.js';

/** What verification reads of an image config: its layers and labels (OCI config shape). */
export interface ConfigLayers {
  rootfs: { diff_ids: string[] };
  config?: { Labels?: Record<string, string> | null } | null;
}

export interface BaseVerification {
  verified: boolean;
  /** Why verification failed; empty when it passed. */
  reasons: string[];
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/**
 * Proves a child image was built on exactly this base: the child's layers
 * (rootfs.diff_ids) start with all of the base's, in order, and its
 * `org.opencontainers.image.base.digest` label names the base's manifest digest.
 * https://github.com/opencontainers/image-spec/blob/main/config.md#properties (rootfs)
 * https://github.com/opencontainers/image-spec/blob/main/annotations.md (base.digest)
 */
export function verifyBase(
  child: ConfigLayers,
  base: ConfigLayers,
  baseDigest: string,
): BaseVerification {
  const reasons: string[] = [];
  if (!DIGEST.test(baseDigest)) reasons.push(`"${baseDigest}" is not a digest`);
  const childLayers = child.rootfs.diff_ids;
  const baseLayers = base.rootfs.diff_ids;
  if (baseLayers.length === 0) {
    reasons.push('the base image has no layers, so nothing proves the child contains it');
  } else if (childLayers.length < baseLayers.length) {
    reasons.push(
      `the child has ${childLayers.length} layers, fewer than the base's ${baseLayers.length}: it cannot contain the base`,
    );
  } else {
    const at = baseLayers.findIndex((id, i) => childLayers[i] !== id);
    if (at !== -1) {
      reasons.push(
        `layer ${at + 1} of the child is ${childLayers[at]}, but the base's layer ${at + 1} is ${baseLayers[at]}: the child was not built on this base`,
      );
    }
  }
  const label = child.config?.Labels?.[OCI_BASE_DIGEST_LABEL];
  if (label === undefined || label === '') {
    reasons.push(`the child has no ${OCI_BASE_DIGEST_LABEL} label`);
  } else if (label !== baseDigest) {
    reasons.push(
      `the child's ${OCI_BASE_DIGEST_LABEL} label is ${label}, not the base digest ${baseDigest}`,
    );
  }
  return { verified: reasons.length === 0, reasons };
}
