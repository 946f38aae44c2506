import { readImage, type ImageSource } from '@restack/inventory';
import { parseReference, formatReference, type ImageReference } from '@restack/reference';
import type { ImageConfigInfo, RegistryClient } from '@restack/registry';
import { errorMessage } from '@restack/core';
import type { ImageFacts, ImageInspector, InspectResult } from './facts.js';

export interface RegistryInspectorOptions {
  registry: RegistryClient;
  /**
   * Reads the config blob for `User` and `ExposedPorts`, which
   * @restack/registry's ImageConfigInfo does not carry (yet). Without it
   * both are null ("could not be read") and the rules that need them say so.
   */
  configSource?: ImageSource;
  /** For an image index, which platform. Default linux/amd64. */
  platform?: string;
}

/** OCI distribution has no push time; registries that report one can add it here later. */
const NO_PUSH_TIME = 'the registry reports no push time (the OCI distribution API has none)';

/** Image facts from the registry: digest, created, labels and diff_ids, then User and ExposedPorts. */
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
      const extra = await userAndPorts(info.value, ref, options);
      const facts: ImageFacts = {
        reference: formatReference(
          ref.tag === null && ref.digest === null ? { ...ref, tag: 'latest' } : ref,
        ),
        digest: info.value.manifestDigest,
        created: info.value.created,
        labels: info.value.labels,
        diffIds: info.value.diffIds,
        user: extra.user,
        exposedPorts: extra.exposedPorts,
        pushedAt: null,
        pushedNote: NO_PUSH_TIME,
        configNote: extra.note,
      };
      return { ok: true, facts };
    },
  };
}

interface Extra {
  user: string | null;
  exposedPorts: string[] | null;
  note: string | null;
}

async function userAndPorts(
  info: ImageConfigInfo,
  ref: ImageReference,
  options: RegistryInspectorOptions,
): Promise<Extra> {
  // A registry client that already returns them saves the second read.
  const known = info as ImageConfigInfo & { user?: string | null; exposedPorts?: string[] | null };
  if (known.user !== undefined && known.exposedPorts !== undefined) {
    return { user: known.user, exposedPorts: known.exposedPorts, note: null };
  }
  if (!options.configSource) {
    return {
      user: null,
      exposedPorts: null,
      note: 'User and ExposedPorts were not read (no config reader)',
    };
  }
  try {
    const image = await readImage(options.configSource, {
      ...ref,
      tag: null,
      digest: info.manifestDigest,
    });
    const inner = (image.config.config ?? {}) as { User?: unknown; ExposedPorts?: unknown };
    const user = typeof inner.User === 'string' ? inner.User : '';
    const ports =
      inner.ExposedPorts && typeof inner.ExposedPorts === 'object'
        ? Object.keys(inner.ExposedPorts)
        : [];
    return { user, exposedPorts: ports, note: null };
  } catch (e) {
    // The rest of the facts stand; the rules that need these two say why they could not run.
    return {
      user: null,
      exposedPorts: null,
      note: `cannot read User and ExposedPorts of ${ref.name}@${info.manifestDigest}: ${errorMessage(e)}`,
    };
  }
}
