import path from 'node:path';
import type { ImageEntry } from '@restack/config';
import { mergeClaims, type Claim, type ExplicitImage, type Problem } from '@restack/catalog';
import { parseReference } from '@restack/reference';
import type { GraphError, ProducedImage } from './types.js';
import { relativePosix } from './discover.js';

export interface CatalogInput {
  baseDir: string;
  /** The config file, relative to baseDir. */
  configFile: string;
  images: readonly ImageEntry[];
  claims: readonly Claim[];
  /** `--build-arg` values; they win over per-image build args. */
  buildArgs: Record<string, string>;
  knownDigests: ReadonlyMap<string, string[]>;
}

export interface JoinedCatalog {
  produced: Map<string, ProducedImage[]>;
  /** Build-arg sets each Dockerfile is built with (one per image entry). */
  argSets: Map<string, Array<Record<string, string>>>;
  /** Dockerfiles restack.yaml names (indexed even outside every source). */
  configDockerfiles: string[];
  errors: GraphError[];
}

/**
 * Joins restack.yaml's `images:` with the claims discovered in compose, bake,
 * workflow and directive files (@restack/catalog mergeClaims: explicit config
 * wins, conflicts become graph errors) into what each Dockerfile produces.
 */
export function joinCatalog(input: CatalogInput): JoinedCatalog {
  const { baseDir } = input;
  const errors: GraphError[] = [];
  const rel = (p: string) => relativePosix(baseDir, p);
  const explicit: ExplicitImage[] = [];
  const configDockerfiles: string[] = [];
  for (const image of input.images) {
    const dockerfile = rel(path.resolve(baseDir, image.dockerfile));
    configDockerfiles.push(dockerfile);
    if (!validImage(image.name, image.tags, dockerfile, input.configFile, errors)) continue;
    explicit.push({
      dockerfile: path.join(baseDir, dockerfile),
      name: image.name,
      tags: image.tags,
      buildArgs: image.buildArgs,
      target: image.target ?? null,
      file: input.configFile,
    });
  }
  const merged = mergeClaims(explicit, input.claims, { base: baseDir });
  errors.push(...merged.conflicts.map((p) => toGraphError(p, baseDir)));

  const produced = new Map<string, ProducedImage[]>();
  const argSets = new Map<string, Array<Record<string, string>>>();
  for (const image of merged.images) {
    const dockerfile = rel(image.dockerfile);
    const list = produced.get(dockerfile) ?? [];
    const existing = list.find((i) => i.name === image.name);
    if (existing) existing.tags = [...new Set([...existing.tags, ...image.tags])];
    else
      list.push({
        name: image.name,
        tags: [...new Set(image.tags)],
        source: image.source,
        file: image.source === 'config' ? image.file : rel(image.file),
        digests: input.knownDigests.get(image.name) ?? [],
      });
    produced.set(dockerfile, list);
    const sets = argSets.get(dockerfile) ?? [];
    sets.push({ ...image.buildArgs, ...input.buildArgs });
    argSets.set(dockerfile, sets);
  }
  return { produced, argSets, configDockerfiles, errors };
}

export function toGraphError(p: Problem, baseDir: string): GraphError {
  return {
    file: path.isAbsolute(p.file) ? relativePosix(baseDir, p.file) : p.file,
    line: p.line,
    message: p.message,
  };
}

/** restack.yaml names a repository without tag or digest, and valid tags. */
function validImage(
  name: string,
  tags: string[],
  dockerfile: string,
  file: string,
  errors: GraphError[],
): boolean {
  const parsed = parseReference(name);
  if (!parsed.ok || parsed.ref.tag !== null || parsed.ref.digest !== null) {
    errors.push({
      file,
      message: parsed.ok
        ? `image "${name}" for ${dockerfile}: give the repository without a tag or digest and list tags under "tags"`
        : `image "${name}" for ${dockerfile}: ${parsed.error}`,
    });
    return false;
  }
  const badTag = tags.find((t) => !parseReference(`${parsed.ref.name}:${t}`).ok);
  if (badTag !== undefined) {
    errors.push({ file, message: `image "${name}": tag "${badTag}" is not a valid tag` });
  }
  return true;
}
