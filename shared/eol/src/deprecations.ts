import { familiarName, type ImageReference } from '@restack/reference';
import { globToRegExp, isRepositoryPattern } from './glob.js';
import type { BuiltInDeprecation, DeprecationRule } from './schema.js';

/** A deprecation rule that matched, and where it came from. */
export interface DeprecationMatch {
  readonly match: string;
  readonly origin: 'built-in' | 'organisation';
  readonly replacement: string | null;
  readonly reason: string;
  readonly source: string | null;
}

/**
 * The first rule that matches any of the references (the one written and,
 * for a mirror, the upstream one it stands for). Organisation rules win over
 * built-in ones so that a team can say what to use instead.
 */
export function findDeprecation(
  refs: readonly ImageReference[],
  organisation: readonly DeprecationRule[],
  builtIn: readonly BuiltInDeprecation[],
): DeprecationMatch | null {
  for (const rule of organisation) {
    if (refs.some((ref) => matchesReference(rule.match, ref))) {
      return {
        match: rule.match,
        origin: 'organisation',
        replacement: rule.replacement ?? null,
        reason: rule.reason ?? `deprecated by the organisation rule "${rule.match}"`,
        source: null,
      };
    }
  }
  for (const rule of builtIn) {
    if (refs.some((ref) => matchesReference(rule.match, ref))) {
      return {
        match: rule.match,
        origin: 'built-in',
        replacement: rule.replacement,
        reason: rule.reason,
        source: rule.source,
      };
    }
  }
  return null;
}

/** Does a glob match a reference, in its normalised or its short form? */
export function matchesReference(pattern: string, ref: ImageReference): boolean {
  const regex = globToRegExp(pattern);
  const names = [ref.name, familiarName(ref.name)];
  if (isRepositoryPattern(pattern)) return names.some((n) => regex.test(n));
  // No tag and no digest means `latest`, as a pull would.
  const tag = ref.tag ?? (ref.digest === null ? 'latest' : null);
  const candidates: string[] = [];
  for (const name of names) {
    const tagged = tag === null ? name : `${name}:${tag}`;
    candidates.push(tagged);
    if (ref.digest !== null) candidates.push(`${tagged}@${ref.digest}`);
  }
  return candidates.some((c) => regex.test(c));
}
