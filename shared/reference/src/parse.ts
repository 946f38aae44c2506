import {
  DEFAULT_DOMAIN,
  LEGACY_DEFAULT_DOMAIN,
  LOCALHOST,
  NAME_TOTAL_LENGTH_MAX,
  OFFICIAL_REPO_PREFIX,
  SUPPORTED_DIGEST_ALGORITHMS,
  anchoredAnyDigestRegexp,
  anchoredIdentifierRegexp,
  anchoredNameRegexp,
  referenceRegexp,
} from './grammar.js';
import { explainInvalid } from './explain.js';

/** A normalised image reference, as Docker's ParseNormalizedNamed returns it. */
export interface ImageReference {
  /** Full repository, e.g. `docker.io/library/ubuntu`. */
  readonly name: string;
  readonly domain: string;
  readonly path: string;
  readonly tag: string | null;
  readonly digest: string | null;
}

export type ParseResult =
  | { readonly ok: true; readonly ref: ImageReference }
  | { readonly ok: false; readonly error: string };

// No valid reference comes near this; it bounds regex work on hostile input.
const MAX_INPUT_LENGTH = 4096;

/**
 * Parses a reference the way `docker pull` does (ParseNormalizedNamed):
 * familiar names get `docker.io` and `library/`, `index.docker.io` is an
 * alias of `docker.io`, and the result is validated against the grammar.
 */
export function parseReference(input: string): ParseResult {
  if (input === '') return fail('the reference is empty; give a name such as "debian:bookworm"');
  if (input.length > MAX_INPUT_LENGTH) {
    return fail(`the reference is ${input.length} characters long, far beyond any valid name`);
  }
  if (anchoredIdentifierRegexp.test(input)) {
    return fail(
      `invalid repository name (${input}): a 64-character hexadecimal string is an image ID, not a name`,
    );
  }
  const [domain, remainder] = splitDockerDomain(input);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remote.toLowerCase() !== remote) {
    return fail(`invalid reference format: repository name (${remote}) must be lowercase`);
  }
  return parseCanonical(`${domain}/${remainder}`, input);
}

/** Parses an already-qualified reference (distribution/reference Parse). */
function parseCanonical(s: string, input: string): ParseResult {
  const m = referenceRegexp.exec(s);
  if (!m) {
    const lower = s.toLowerCase();
    if (lower !== s && referenceRegexp.test(lower)) {
      return fail('invalid reference format: repository name must be lowercase');
    }
    return fail(explainInvalid(input));
  }
  const nameMatch = anchoredNameRegexp.exec(m[1] ?? '');
  const domain = nameMatch?.[1] ?? '';
  const path = nameMatch?.[2] ?? m[1] ?? '';
  if (path.length > NAME_TOTAL_LENGTH_MAX) {
    return fail(
      `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters (this one has ${path.length})`,
    );
  }
  const digest = m[3] ?? null;
  if (digest !== null) {
    const problem = validateDigest(digest);
    if (problem) return fail(problem);
  }
  return {
    ok: true,
    ref: { name: domain ? `${domain}/${path}` : path, domain, path, tag: m[2] ?? null, digest },
  };
}

/** go-digest Validate: known algorithms are checked for their exact length. */
export function validateDigest(digest: string): string | null {
  const i = digest.indexOf(':');
  if (i <= 0 || i + 1 === digest.length) return `invalid digest format: "${digest}"`;
  const algorithm = digest.slice(0, i);
  const encoded = digest.slice(i + 1);
  const length = SUPPORTED_DIGEST_ALGORITHMS[algorithm];
  if (length === undefined) {
    if (!anchoredAnyDigestRegexp.test(digest)) return `invalid digest format: "${digest}"`;
    return `unsupported digest algorithm "${algorithm}"; use sha256, sha384 or sha512`;
  }
  if (encoded.length !== length || !/^[a-f0-9]+$/.test(encoded)) {
    return `invalid ${algorithm} digest: expected ${length} lowercase hexadecimal characters, got ${encoded.length}`;
  }
  return null;
}

/**
 * Splits a name into domain and remote name (distribution/reference
 * splitDockerDomain): the first component is a domain when it contains `.`
 * or `:`, is `localhost`, or has upper-case letters.
 */
function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  if (slash === -1) return [DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name];
  const maybeDomain = name.slice(0, slash);
  const maybeRemote = name.slice(slash + 1);
  let domain: string;
  let remote: string;
  if (maybeDomain === LOCALHOST) {
    [domain, remote] = [maybeDomain, maybeRemote];
  } else if (maybeDomain === LEGACY_DEFAULT_DOMAIN) {
    [domain, remote] = [DEFAULT_DOMAIN, maybeRemote];
  } else if (/[.:]/.test(maybeDomain) || maybeDomain.toLowerCase() !== maybeDomain) {
    [domain, remote] = [maybeDomain, maybeRemote];
  } else {
    [domain, remote] = [DEFAULT_DOMAIN, name];
  }
  if (domain === DEFAULT_DOMAIN && !remote.includes('/')) remote = OFFICIAL_REPO_PREFIX + remote;
  return [domain, remote];
}

/** The short name Docker shows: `docker.io/library/redis` -> `redis`. */
export function familiarName(name: string): string {
  if (!name.startsWith(`${DEFAULT_DOMAIN}/`)) return name;
  const path = name.slice(DEFAULT_DOMAIN.length + 1);
  if (path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return path;
}

function fail(error: string): ParseResult {
  return { ok: false, error };
}
