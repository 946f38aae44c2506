import { familiarName, parseReference } from '@restack/reference';

/**
 * The branch slug for a bumped reference: `debian:bookworm` -> `debian-bookworm`.
 * Sanitised to a valid ref name (git-check-ref-format): no `..`, no component
 * starting with `.` or ending in `.lock`, no `@{`, no control characters.
 */
export function branchSlug(ref: string): string {
  const parsed = parseReference(ref);
  const text = parsed.ok
    ? familiarName(parsed.ref.name) + (parsed.ref.tag === null ? '' : `-${parsed.ref.tag}`)
    : ref.split('@')[0]!;
  const slug = text
    .replace(/[^A-Za-z0-9._/-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/\/{2,}/g, '/')
    .split('/')
    .map((part) =>
      part
        .replace(/^[.-]+/, '')
        .replace(/(\.lock)+$/i, '')
        .replace(/[.]+$/, ''),
    )
    .filter((part) => part.length > 0)
    .join('/');
  return slug.length > 0 ? slug.slice(0, 200) : 'base';
}

/** The branch one repository's PR for one trigger lives on, e.g. `restack/debian-bookworm`. */
export function branchName(prefix: string, ref: string): string {
  return `${prefix}${branchSlug(ref)}`;
}
