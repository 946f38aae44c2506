import { bumpDockerfile, type Edit } from '@restack/bump';
import { extractDockerfile } from '@restack/dockerfile';
import { refMatches } from '@restack/graph';
import { formatReference, referenceOfReport, type ImageReference } from '@restack/reference';

/** A reference the build must use at exactly this digest: the campaign's base, or a rebuilt parent. */
export interface Pin {
  ref: ImageReference;
  digest: string;
}

export interface PinnedDockerfile {
  text: string;
  edits: Edit[];
  /** References that match a pin but could not be rewritten (a digest from a build argument). */
  skipped: Array<{ line: number; message: string }>;
}

/**
 * Rewrites every FROM, COPY --from and RUN --mount=from that names a pinned
 * image to `name:tag@<pin digest>` (@restack/bump with `pin: true`), so the
 * build uses exactly the campaign's digests whatever the tags say by then.
 */
export function pinDockerfile(
  text: string,
  file: string,
  pins: readonly Pin[],
  buildArgs: Record<string, string> = {},
): PinnedDockerfile {
  let current = text;
  const edits: Edit[] = [];
  const skipped: PinnedDockerfile['skipped'] = [];
  for (const pin of pins) {
    const result = bumpDockerfile(current, file, {
      changed: pin.ref,
      digest: pin.digest,
      pin: true,
      buildArgs,
    });
    current = result.text;
    edits.push(...result.edits);
    skipped.push(
      ...result.skipped.filter(
        (s) => !skipped.some((k) => k.line === s.line && k.message === s.message),
      ),
    );
  }
  return { text: current, edits, skipped };
}

/**
 * The image the built stage (the target, else the last) stands on, following
 * `FROM <stage>` chains: what the image's first layers come from. null for
 * `scratch` or a base that cannot be resolved statically.
 */
export function finalBase(
  text: string,
  file: string,
  options: { buildArgs?: Record<string, string>; target?: string } = {},
): ImageReference | null {
  const extract = extractDockerfile(text, { file, buildArgs: options.buildArgs ?? {} });
  const target = options.target?.toLowerCase();
  let stage =
    target === undefined ? extract.stages.at(-1) : extract.stages.find((s) => s.name === target);
  for (let hops = 0; stage && stage.baseKind === 'stage' && hops <= extract.stages.length; hops++) {
    stage = stage.baseStage === null ? undefined : extract.stages[stage.baseStage];
  }
  if (!stage || stage.baseKind !== 'image') return null;
  const at = stage.index;
  const from = extract.references.find((r) => r.kind === 'from' && r.stage === at);
  return from ? referenceOfReport(from.ref) : null;
}

/** The pin the base of the built stage must match, when one applies. */
export function basePin(base: ImageReference | null, pins: readonly Pin[]): Pin | null {
  if (base === null) return null;
  return pins.find((p) => refMatches(p.ref, base)) ?? null;
}

/** `name:tag` of a reference, without its digest: what `org.opencontainers.image.base.name` holds. */
export function baseName(ref: ImageReference): string {
  return formatReference({ ...ref, digest: null });
}
