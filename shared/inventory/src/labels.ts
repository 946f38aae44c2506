/**
 * https://github.com/opencontainers/image-spec/blob/main/annotations.md#pre-defined-annotation-keys
 * (also written by @restack/engine's ociLabels; kept here so verification
 * does not depend on the build side.)
 */
export const OCI_BASE_DIGEST_LABEL = 'org.opencontainers.image.base.digest';
export const OCI_BASE_NAME_LABEL = 'org.opencontainers.image.base.name';
