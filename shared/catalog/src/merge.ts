import path from 'node:path';
import { parseReference } from '@restack/reference';
import { sortClaims } from './discover.js';
import { problem } from './problem.js';
import {
  explicitImageSchema,
  type CatalogImage,
  type Claim,
  type ExplicitImage,
  type Problem,
} from './schema.js';

export interface MergeOptions {
  /** Folder that paths in conflict messages are shown relative to. */
  base?: string;
}

export interface MergedCatalog {
  images: CatalogImage[];
  conflicts: Problem[];
}

/** Who first gave an image tag to a Dockerfile. */
interface Owner {
  dockerfile: string;
  source: CatalogImage['source'];
  file: string;
  line: number | null;
}

/**
 * Joins the explicit `images:` of restack.yaml with discovered claims.
 *
 * - Each image name+tag belongs to one Dockerfile. restack.yaml wins over
 *   any discovered claim; between discovered claims the first wins in the
 *   order compose, bake, workflow, directive, then file path, then line.
 *   Every claim that loses is reported as a conflict naming both files.
 * - Claims for the same Dockerfile and image merge their tags (the first
 *   claim's build args and target are kept). Tags restack.yaml already
 *   gives that Dockerfile are not repeated.
 * - Explicit entries are returned unchanged (names normalised), first.
 *
 * Dockerfile paths of both inputs must be in the same form (absolute).
 */
export function mergeClaims(
  explicit: readonly ExplicitImage[],
  discovered: readonly Claim[],
  options: MergeOptions = {},
): MergedCatalog {
  const show = (p: string) =>
    options.base && path.isAbsolute(p) ? path.relative(options.base, p) || '.' : p;
  const owners = new Map<string, Owner>();
  const conflicts: Problem[] = [];
  const images: CatalogImage[] = [];

  // Claims that lose to an owner, grouped so one message lists every tag.
  const lose = (claim: Owner & { name: string }, owner: Owner, tags: string[]) => {
    const at = (o: Owner) => `${show(o.file)}${o.line ? `:${o.line}` : ''}`;
    const refs = tags.map((t) => `${claim.name}:${t}`).join(', ');
    conflicts.push(
      problem(
        'catalog.conflict',
        claim.file,
        claim.line,
        `${refs} ${tags.length > 1 ? 'are' : 'is'} given to ${show(owner.dockerfile)} by ${at(owner)} and to ${show(claim.dockerfile)} by ${at(claim)}; ${owner.source === 'config' ? show(owner.file) : at(owner)} wins`,
        owner.source === 'config'
          ? `remove the tag from ${show(claim.file)}, or correct ${show(owner.file)}`
          : 'remove the tag from one of the files, or list the image in restack.yaml to decide',
      ),
    );
  };

  for (const raw of explicit) {
    const result = explicitImageSchema.safeParse(raw);
    if (!result.success) {
      const file = typeof raw.file === 'string' ? raw.file : 'restack.yaml';
      conflicts.push(
        problem(
          'catalog.shape',
          file,
          raw.line ?? null,
          `invalid image entry: ${result.error.issues[0]?.message ?? 'invalid'}`,
          'give each image a name, a dockerfile and string tags',
        ),
      );
      continue;
    }
    const parsed = result.data;
    const entry: CatalogImage = {
      dockerfile: path.normalize(parsed.dockerfile),
      name: normaliseName(parsed.name),
      tags: parsed.tags,
      buildArgs: parsed.buildArgs,
      target: parsed.target ?? null,
      source: 'config',
      file: parsed.file,
      line: parsed.line ?? null,
    };
    images.push(entry);
    claimTags(entry, owners, lose);
  }

  const groups = new Map<string, CatalogImage>();
  for (const claim of sortClaims([...discovered])) {
    const entry: CatalogImage = { ...claim, dockerfile: path.normalize(claim.dockerfile) };
    const kept = claimTags(entry, owners, lose);
    if (!kept.length) continue;
    const key = `${entry.dockerfile}\0${entry.name}`;
    const group = groups.get(key);
    if (group) group.tags.push(...kept.filter((t) => !group.tags.includes(t)));
    else groups.set(key, { ...entry, tags: kept });
  }
  return { images: [...images, ...groups.values()], conflicts };
}

/** Takes ownership of each free tag; returns the tags this entry may keep. */
function claimTags(
  entry: CatalogImage,
  owners: Map<string, Owner>,
  lose: (claim: Owner & { name: string }, owner: Owner, tags: string[]) => void,
): string[] {
  const kept: string[] = [];
  const lost = new Map<Owner, string[]>();
  for (const tag of entry.tags) {
    const key = `${entry.name}:${tag}`;
    const owner = owners.get(key);
    if (!owner) {
      owners.set(key, entry);
      kept.push(tag);
    } else if (owner.dockerfile !== entry.dockerfile) {
      lost.set(owner, [...(lost.get(owner) ?? []), tag]);
    } else if (owner.source !== 'config' || entry.source === 'config') {
      // Same Dockerfile: tags merge; a discovered repeat of a config tag adds nothing.
      kept.push(tag);
    }
  }
  for (const [owner, tags] of lost) lose(entry, owner, tags);
  return kept;
}

/** `python` -> `docker.io/library/python`; an invalid name is kept as written for the caller to report. */
function normaliseName(name: string): string {
  const parsed = parseReference(name);
  return parsed.ok ? parsed.ref.name : name;
}
