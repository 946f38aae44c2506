import { parseReference, formatReference } from '@restack/reference';
import type { RegistryClient } from '@restack/registry';
import type { ImageFacts, ImageInspector, InspectResult } from './facts.js';

export interface RegistryInspectorOptions {
  registry: RegistryClient;
  /**
   * @deprecated Ignored: the registry client's image config carries `user`
   * and `exposedPorts`, so no second read of the config blob is made.
   * Kept so that existing callers still compile; drop it from them.
   */
  configSource?: unknown;
  /** For an image index, which platform. Default linux/amd64. */
  platform?: string;
}

/** OCI distribution has no push time; registries that report one can add it here later. */
const NO_PUSH_TIME = 'the registry reports no push time (the OCI distribution API has none)';

/** Image facts from the registry in one config read: digest, created, labels, diff_ids, User and ExposedPorts. */
export function createRegistryInspector(options: RegistryInspectorOptions): ImageInspector {
  return {
    async inspect(reference: string): Promise<InspectResult> {
      const parsed = parseReference(reference);
      if (!parsed.ok)
        return { ok: false, kind: 'invalid-reference', reason: `${reference}: ${parsed.error}` };
      const ref = parsed.ref;
      const info = await options.registry.imageConfig(
        ref,
        options.platform ? { platform: options.platform } : {},
      );
      if (!info.ok) return { ok: false, kind: info.kind, reason: info.reason };
      const facts: ImageFacts = {
        reference: formatReference(
          ref.tag === null && ref.digest === null ? { ...ref, tag: 'latest' } : ref,
        ),
        digest: info.value.manifestDigest,
        created: info.value.created,
        labels: info.value.labels,
        diffIds: info.value.diffIds,
        user: info.value.user,
        exposedPorts: info.value.exposedPorts,
        pushedAt: null,
        pushedNote: NO_PUSH_TIME,
        configNote: null,
      };
      return { ok: true, facts };
    },
  };
}
