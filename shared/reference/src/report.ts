import { DEFAULT_TAG } from './grammar.js';
import { familiarName, parseReference, type ImageReference } from './parse.js';

/** The object `restack ref --json` prints for each input. */
export interface ReferenceReport {
  input: string;
  valid: boolean;
  name: string | null;
  familiar: string | null;
  domain: string | null;
  path: string | null;
  tag: string | null;
  digest: string | null;
  effectiveTag: string | null;
  error: string | null;
}

export function describeReference(input: string): ReferenceReport {
  const parsed = parseReference(input);
  if (!parsed.ok) {
    return {
      input,
      valid: false,
      name: null,
      familiar: null,
      domain: null,
      path: null,
      tag: null,
      digest: null,
      effectiveTag: null,
      error: parsed.error,
    };
  }
  return { input, valid: true, ...reportFields(parsed.ref), error: null };
}

export function reportFields(ref: ImageReference) {
  return {
    name: ref.name,
    familiar: familiarName(ref.name),
    domain: ref.domain,
    path: ref.path,
    tag: ref.tag,
    digest: ref.digest,
    effectiveTag: effectiveTag(ref),
  };
}

/** The tag a pull would use: the given one, or `latest` when neither tag nor digest is given. */
export function effectiveTag(ref: ImageReference): string | null {
  if (ref.tag !== null) return ref.tag;
  return ref.digest === null ? DEFAULT_TAG : null;
}

/** `docker.io/library/ubuntu:22.04@sha256:...` */
export function formatReference(ref: ImageReference): string {
  return (
    ref.name +
    (ref.tag !== null ? `:${ref.tag}` : '') +
    (ref.digest !== null ? `@${ref.digest}` : '')
  );
}

/** `ubuntu:22.04@sha256:...`, as Docker prints it. */
export function formatFamiliar(ref: ImageReference): string {
  return (
    familiarName(ref.name) +
    (ref.tag !== null ? `:${ref.tag}` : '') +
    (ref.digest !== null ? `@${ref.digest}` : '')
  );
}

/** `name:tag` with the effective tag, used to match a tag-moving trigger. */
export function tagKey(ref: ImageReference): string | null {
  const tag = effectiveTag(ref);
  return tag === null ? null : `${ref.name}:${tag}`;
}

/** The parsed reference behind a valid report, or null for an invalid (or missing) one. */
export function referenceOfReport(report: ReferenceReport | null): ImageReference | null {
  if (!report?.valid || report.name === null || report.domain === null || report.path === null) {
    return null;
  }
  return {
    name: report.name,
    domain: report.domain,
    path: report.path,
    tag: report.tag,
    digest: report.digest,
  };
}
