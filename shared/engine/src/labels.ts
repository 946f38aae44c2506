/**
 * Annotation keys restack writes as labels on the images it builds.
 * https://github.com/opencontainers/image-spec/blob/main/annotations.md#pre-defined-annotation-keys
 */
export const OCI_LABELS = {
  baseName: 'org.opencontainers.image.base.name',
  baseDigest: 'org.opencontainers.image.base.digest',
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
  created: 'org.opencontainers.image.created',
} as const;

export interface ProvenanceLabels {
  /** The base as the Dockerfile names it: `docker.io/library/debian:bookworm`. */
  baseName?: string;
  /** The base's manifest digest the build was pinned to: `sha256:...`. */
  baseDigest?: string;
  /** The repository URL. */
  source?: string;
  /** The commit built. */
  revision?: string;
  created?: Date | string;
}

/** The OCI labels for a build, leaving out the ones not known. */
export function ociLabels(provenance: ProvenanceLabels): Record<string, string> {
  const labels: Record<string, string> = {};
  if (provenance.baseName) labels[OCI_LABELS.baseName] = provenance.baseName;
  if (provenance.baseDigest) labels[OCI_LABELS.baseDigest] = provenance.baseDigest;
  if (provenance.source) labels[OCI_LABELS.source] = provenance.source;
  if (provenance.revision) labels[OCI_LABELS.revision] = provenance.revision;
  if (provenance.created !== undefined) {
    const created = provenance.created;
    labels[OCI_LABELS.created] = typeof created === 'string' ? created : created.toISOString();
  }
  return labels;
}
