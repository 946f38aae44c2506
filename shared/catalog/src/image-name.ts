import { parseReference } from '@restack/reference';
import type { Claim, ClaimSource } from './schema.js';

export type NamedTag = { ok: true; name: string; tag: string } | { ok: false; error: string };

/**
 * Reads an image a build produces, as Docker would name it: a name with a
 * tag gives name plus that tag; no tag means `latest`. A digest cannot be
 * produced by a build, so it is refused.
 */
export function readImageName(raw: string): NamedTag {
  const parsed = parseReference(raw.trim());
  if (!parsed.ok) return { ok: false, error: parsed.error };
  if (parsed.ref.digest !== null) {
    return { ok: false, error: `"${raw}" names a digest; a build produces tags, not digests` };
  }
  return { ok: true, name: parsed.ref.name, tag: parsed.ref.tag ?? 'latest' };
}

/** What a claim is about before it is split by repository. */
export interface BuildFacts {
  dockerfile: string;
  buildArgs: Record<string, string>;
  target: string | null;
  source: ClaimSource;
  file: string;
  line: number | null;
}

/** One claim per repository named by `images`, tags in first-seen order. */
export function claimsFor(
  facts: BuildFacts,
  images: Array<{ name: string; tag: string }>,
): Claim[] {
  const byName = new Map<string, string[]>();
  for (const { name, tag } of images) {
    const tags = byName.get(name) ?? [];
    if (!tags.includes(tag)) tags.push(tag);
    byName.set(name, tags);
  }
  return [...byName].map(([name, tags]) => ({ ...facts, name, tags }));
}

/** Remote build contexts (Git or HTTP URLs) are not in the tree restack reads. */
export function isRemoteContext(context: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(context) ||
    /^git@/.test(context) ||
    /^github\.com\//.test(context)
  );
}
