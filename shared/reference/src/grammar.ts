// Docker's reference grammar, transcribed from the distribution/reference Go
// module (regexp.go), which is the authority for how `docker pull` reads names.
// https://github.com/distribution/reference/blob/main/regexp.go

const alphanumeric = '[a-z0-9]+';
// One period, one or two underscores, or any number of dashes.
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
const tag = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
// IPv6 in brackets; zone identifiers are deliberately excluded.
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;

export const referenceRegexp = new RegExp(`^(${namePat})(?::(${tag}))?(?:@(${digestPat}))?$`);
export const anchoredNameRegexp = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
export const anchoredIdentifierRegexp = /^[a-f0-9]{64}$/;
export const anchoredTagRegexp = new RegExp(`^${tag}$`);
export const anchoredDomainRegexp = new RegExp(`^${domainAndPort}$`);
export const anchoredPathComponentRegexp = new RegExp(`^${pathComponent}$`);

/** Maximum length of a repository path (distribution/reference RepositoryNameTotalLengthMax). */
export const NAME_TOTAL_LENGTH_MAX = 255;

export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
export const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
export const LOCALHOST = 'localhost';

/**
 * Digest algorithms Docker can verify, with the length of their hex encoding
 * (opencontainers/go-digest algorithm.go). Any other algorithm that matches
 * the grammar is "unsupported", as `docker pull` reports it.
 */
export const SUPPORTED_DIGEST_ALGORITHMS: Readonly<Record<string, number>> = {
  sha256: 64,
  sha384: 96,
  sha512: 128,
};

/** go-digest's DigestRegexpAnchored: the general form of any digest. */
export const anchoredAnyDigestRegexp = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
