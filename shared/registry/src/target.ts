import { formatReference, parseReference, type ImageReference } from '@restack/reference';
import { RegistryError } from './failure.js';

/** A reference as callers hand it over: parsed, or text to parse. */
export type ReferenceInput = ImageReference | string;

export function toReference(input: ReferenceInput): ImageReference {
  if (typeof input !== 'string') return input;
  const parsed = parseReference(input);
  if (!parsed.ok) {
    throw new RegistryError(
      'invalid-reference',
      `"${input}" is not an image reference: ${parsed.error}`,
      {
        registry: '',
        subject: input,
      },
    );
  }
  return parsed.ref;
}

/**
 * What a lookup asks the registry for: the tag when there is one (a pinned
 * `name:tag@digest` is checked against the tag's current digest), else the
 * digest, else `latest` as `docker pull` does.
 */
export function manifestReference(ref: ImageReference): string {
  if (ref.tag !== null) return ref.tag;
  return ref.digest ?? 'latest';
}

/** The canonical text of what is looked up: `docker.io/library/debian:12`. */
export function lookupText(ref: ImageReference): string {
  if (ref.tag !== null) return formatReference({ ...ref, digest: null });
  if (ref.digest !== null) return formatReference(ref);
  return formatReference({ ...ref, tag: 'latest' });
}

export function pullScope(path: string): string {
  return `repository:${path}:pull`;
}

export function pushScope(path: string): string {
  return `repository:${path}:pull,push`;
}

/** `/v2/<name>/...`; path components are already restricted by the reference grammar. */
export function v2Path(path: string, rest: string): string {
  return `/v2/${path}/${rest}`;
}
