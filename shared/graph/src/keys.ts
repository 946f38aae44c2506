import { effectiveTag, formatReference, type ImageReference } from '@restack/reference';

/** `name:tag` for a produced image tag. */
export function tagKeyOf(name: string, tag: string): string {
  return `${name}:${tag}`;
}

/** `name@digest` for a digest an image is known by. */
export function digestKeyOf(name: string, digest: string): string {
  return `${name}@${digest}`;
}

/**
 * The key an external reference is watched by: `name:tag` when a tag is
 * given (or implied as latest), else `name@digest`.
 */
export function watchKey(ref: ImageReference): string {
  const tag = effectiveTag(ref);
  if (tag !== null) return tagKeyOf(ref.name, tag);
  return digestKeyOf(ref.name, ref.digest ?? '');
}

export { formatReference };
