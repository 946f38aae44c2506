import { formatReference, parseReference, type ImageReference } from '@restack/reference';
import type { Catalog } from './catalog.js';
import { MOVING_TAGS, codenames, readVariants, readVersion, type CyclePart } from './tag.js';

/** What an image reference says about the products it is built on. */
export interface ReferenceMapping {
  readonly input: string;
  /** The reference as written, normalised (`docker.io/library/node:18`), or null if invalid. */
  readonly normalized: string | null;
  /** For a configured mirror, the upstream reference the rules were applied to. */
  readonly upstream: string | null;
  /** The references deprecation rules are matched against. */
  readonly refs: readonly ImageReference[];
  readonly parts: readonly CyclePart[];
  readonly notes: readonly string[];
  /** Set when nothing could be read at all; says why. */
  readonly reason: string | null;
}

export interface MappingOptions {
  readonly catalog: Catalog;
  /** Registry prefix -> the prefix it mirrors (`lifecycle.mirrors`). */
  readonly mirrors?: Readonly<Record<string, string>>;
}

type RepositoryRule =
  | {
      readonly kind: 'app';
      readonly product: string;
      readonly aliases?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'os'; readonly product: string; readonly prefix?: string };

// Node.js LTS codenames, which the node image publishes as tags (node:hydrogen).
// https://github.com/nodejs/Release/blob/main/schedule.json
const NODE_CODENAMES = {
  argon: '4',
  boron: '6',
  carbon: '8',
  dubnium: '10',
  erbium: '12',
  fermium: '14',
  gallium: '16',
  hydrogen: '18',
  iron: '20',
  jod: '22',
  krypton: '24',
};

// Docker Official Images (docker.io/library/<name>) -> catalog product.
const OFFICIAL: Readonly<Record<string, RepositoryRule>> = {
  node: { kind: 'app', product: 'nodejs', aliases: NODE_CODENAMES },
  python: { kind: 'app', product: 'python' },
  php: { kind: 'app', product: 'php' },
  ruby: { kind: 'app', product: 'ruby' },
  golang: { kind: 'app', product: 'go' },
  'eclipse-temurin': { kind: 'app', product: 'eclipse-temurin' },
  openjdk: { kind: 'app', product: 'java' },
  java: { kind: 'app', product: 'java' },
  nginx: { kind: 'app', product: 'nginx' },
  postgres: { kind: 'app', product: 'postgresql' },
  redis: { kind: 'app', product: 'redis' },
  mysql: { kind: 'app', product: 'mysql' },
  mariadb: { kind: 'app', product: 'mariadb' },
  mongo: { kind: 'app', product: 'mongodb' },
  rabbitmq: { kind: 'app', product: 'rabbitmq' },
  elasticsearch: { kind: 'app', product: 'elasticsearch' },
  haproxy: { kind: 'app', product: 'haproxy' },
  traefik: { kind: 'app', product: 'traefik' },
  httpd: { kind: 'app', product: 'apache-http-server' },
  debian: { kind: 'os', product: 'debian' },
  ubuntu: { kind: 'os', product: 'ubuntu' },
  alpine: { kind: 'os', product: 'alpine' },
  centos: { kind: 'os', product: 'centos', prefix: 'centos' },
  fedora: { kind: 'os', product: 'fedora' },
  almalinux: { kind: 'os', product: 'almalinux' },
  rockylinux: { kind: 'os', product: 'rocky-linux' },
};

// Vendor repositories that tag like the official images.
const VENDOR: Readonly<Record<string, RepositoryRule>> = {
  'mcr.microsoft.com/dotnet/sdk': { kind: 'app', product: 'dotnet' },
  'mcr.microsoft.com/dotnet/aspnet': { kind: 'app', product: 'dotnet' },
  'mcr.microsoft.com/dotnet/runtime': { kind: 'app', product: 'dotnet' },
  'mcr.microsoft.com/dotnet/runtime-deps': { kind: 'app', product: 'dotnet' },
  'docker.elastic.co/elasticsearch/elasticsearch': { kind: 'app', product: 'elasticsearch' },
  'docker.io/mongodb/mongodb-community-server': { kind: 'app', product: 'mongodb' },
  'docker.io/rockylinux/rockylinux': { kind: 'os', product: 'rocky-linux' },
};

// gcr.io/distroless/<runtime><major>-debian<N>: the name, not the tag, pins the versions.
const DISTROLESS = /^gcr\.io\/distroless\/([a-z]+?)(\d*)-debian(\d+)$/;

/** Reads which products and versions an image reference is built on. Never guesses. */
export function mapReference(input: string, options: MappingOptions): ReferenceMapping {
  const parsed = parseReference(input.trim());
  if (!parsed.ok) return unknown(input, null, null, [], parsed.error);
  const ref = parsed.ref;
  const upstream = mirrorOf(ref, options.mirrors ?? {});
  const subject = upstream ?? ref;
  const refs = upstream ? [ref, upstream] : [ref];
  const normalized = formatReference(ref);
  const upstreamText = upstream ? formatReference(upstream) : null;
  const done = (
    parts: CyclePart[],
    notes: string[],
    reason: string | null = null,
  ): ReferenceMapping => ({
    input,
    normalized,
    upstream: upstreamText,
    refs,
    parts,
    notes,
    reason,
  });

  const distroless = DISTROLESS.exec(subject.name);
  if (distroless) return done(readDistroless(distroless), []);
  const rule = ruleFor(subject.name);
  if (!rule) {
    const hint =
      ref.domain === 'docker.io'
        ? ''
        : '; if this registry mirrors Docker Hub, add it to lifecycle.mirrors';
    return done([], [], `no rule maps ${subject.name} to a product${hint}`);
  }
  if (subject.tag === null && subject.digest !== null) {
    return done(
      [],
      [],
      'the reference is pinned by digest only; without a tag there is no version to read',
    );
  }
  const tag = subject.tag ?? 'latest';
  const names = codenames(options.catalog);
  return rule.kind === 'os'
    ? readOsTag(rule, tag, names, done)
    : readAppTag(rule, tag, names, done);
}

type Done = (parts: CyclePart[], notes: string[], reason?: string | null) => ReferenceMapping;
type Names = ReturnType<typeof codenames>;

/** `node:18.20.1-bookworm-slim`: the product version first, then variants. */
function readAppTag(
  rule: Extract<RepositoryRule, { kind: 'app' }>,
  tag: string,
  names: Names,
  done: Done,
) {
  const [first = '', ...rest] = tag.split('-');
  const version = rule.aliases?.[first] ?? readVersion(first);
  if (version !== null) {
    const variants = readVariants(rest, names);
    const notes = variants.namesBase ? variants.notes : [...variants.notes, baseNotStated(tag)];
    return done([{ product: rule.product, version, from: first }, ...variants.parts], notes);
  }
  const moving = MOVING_TAGS.has(first);
  const variants = readVariants(moving ? rest : tag.split('-'), names);
  if (!moving && variants.parts.length === 0) {
    return done(
      [],
      variants.notes,
      `the tag "${tag}" does not start with a ${rule.product} version`,
    );
  }
  const note = moving
    ? `the tag "${first}" moves to new ${rule.product} releases; pin a version to evaluate it`
    : `the tag "${tag}" does not name a ${rule.product} version`;
  const notes = variants.namesBase ? variants.notes : [...variants.notes, baseNotStated(tag)];
  return done(
    [{ product: rule.product, version: null, from: first, note }, ...variants.parts],
    notes,
  );
}

/** `debian:bookworm-slim`, `ubuntu:22.04`, `centos:centos7`, `alpine:3.19.1`. */
function readOsTag(
  rule: Extract<RepositoryRule, { kind: 'os' }>,
  tag: string,
  names: Names,
  done: Done,
) {
  const [first = '', ...rest] = tag.split('-');
  const variants = readVariants(rest, names);
  const named = names.get(first);
  const bare =
    rule.prefix && first.startsWith(rule.prefix) ? first.slice(rule.prefix.length) : first;
  const version = named?.product === rule.product ? named.cycle : readVersion(bare);
  if (version !== null)
    return done(
      [{ product: rule.product, version, from: first }, ...variants.parts],
      variants.notes,
    );
  if (MOVING_TAGS.has(first)) {
    const note = `the tag "${first}" moves to new ${rule.product} releases; pin a version to evaluate it`;
    return done([{ product: rule.product, version: null, from: first, note }], variants.notes);
  }
  return done([], variants.notes, `the tag "${tag}" names no ${rule.product} version or codename`);
}

function readDistroless(match: RegExpExecArray): CyclePart[] {
  const [, runtime = '', major = '', debian = ''] = match;
  const parts: CyclePart[] = [{ product: 'debian', version: debian, from: `debian${debian}` }];
  if (runtime === 'nodejs' && major !== '')
    parts.push({ product: 'nodejs', version: major, from: `nodejs${major}` });
  return parts;
}

function ruleFor(name: string): RepositoryRule | null {
  const official = /^docker\.io\/library\/([^/]+)$/.exec(name);
  if (official) return OFFICIAL[official[1]!] ?? null;
  return VENDOR[name] ?? null;
}

/**
 * Rewrites a reference under a configured mirror prefix to the registry it
 * mirrors (`mirror.example.com/library/node` -> `docker.io/library/node`).
 * The longest matching prefix wins; prefixes match whole path components.
 */
function mirrorOf(
  ref: ImageReference,
  mirrors: Readonly<Record<string, string>>,
): ImageReference | null {
  const prefix = Object.keys(mirrors)
    .sort((a, b) => b.length - a.length)
    .find((p) => ref.name === p || ref.name.startsWith(`${p}/`));
  if (prefix === undefined) return null;
  const name = `${mirrors[prefix]}${ref.name.slice(prefix.length)}`;
  const text =
    name + (ref.tag !== null ? `:${ref.tag}` : '') + (ref.digest !== null ? `@${ref.digest}` : '');
  // Parsing again adds `library/` to a bare Docker Hub name, as docker pull would.
  const reparsed = parseReference(text);
  return reparsed.ok ? reparsed.ref : null;
}

function baseNotStated(tag: string): string {
  return `the tag "${tag}" does not name its base OS, so the base was not evaluated`;
}

function unknown(
  input: string,
  normalized: string | null,
  upstream: string | null,
  refs: ImageReference[],
  reason: string,
): ReferenceMapping {
  return { input, normalized, upstream, refs, parts: [], notes: [], reason };
}
