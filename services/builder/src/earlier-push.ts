import type { Logger } from '@restack/core';
import { OCI_LABELS } from '@restack/engine';
import type { TargetBuildResult } from '@restack/rebuild';
import type { BuilderPorts } from './ports.js';

/**
 * The build an earlier attempt already pushed to `tag`, or null. A builder
 * killed between its push and its done-record gets the request again; the tag
 * then holds an image with the same pinned base and source revision in its
 * labels, which is this very rebuild. Adopting it keeps "never push a second
 * build for the same campaign and target" (found by test/integration/chaos.test.ts).
 */
export async function earlierPush(
  ports: Pick<BuilderPorts, 'currentImage'>,
  tag: string,
  base: { ref: string; digest: string; pinned: readonly string[] },
  revision: string | null,
  log: Logger,
): Promise<TargetBuildResult | null> {
  const current = await ports.currentImage?.(tag);
  if (!current) return null;
  const labels = current.labels;
  const onBase = base.pinned.includes(labels[OCI_LABELS.baseDigest] ?? '');
  if (!onBase || (labels[OCI_LABELS.revision] ?? null) !== revision) return null;
  log.info({ tag, digest: current.digest }, 'an earlier attempt pushed this build; adopting it');
  return {
    digest: current.digest,
    imageId: '',
    tags: [tag],
    base: { ref: base.ref, digest: labels[OCI_LABELS.baseDigest]! },
    labels,
    edits: [],
    skipped: [],
    local: null,
  };
}
