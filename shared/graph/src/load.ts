import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedConfig } from '@restack/config';
import { extractDockerfile } from '@restack/dockerfile';
import { parseReference, type ImageReference, type ReferenceReport } from '@restack/reference';
import type { Dependency, DockerfileDeps, Graph, GraphError, ProducedImage } from './types.js';
import { findDockerfiles, relativePosix } from './discover.js';
import { buildGraph, compare } from './build.js';

export interface LoadGraphOptions {
  /** `--build-arg` values; they win over the config's per-image build args. */
  buildArgs?: Record<string, string>;
  /** Digests each catalog image is known by, keyed by image name. */
  knownDigests?: ReadonlyMap<string, string[]>;
}

/** Indexes every source of the config and builds the graph. */
export async function loadGraph(
  loaded: LoadedConfig,
  options: LoadGraphOptions = {},
): Promise<Graph> {
  const { config, baseDir } = loaded;
  const configFile = loaded.file ? relativePosix(baseDir, loaded.file) : 'restack.yaml';
  const errors: GraphError[] = [];

  const files = new Set<string>();
  for (const source of config.sources) {
    const root = path.resolve(baseDir, source.path);
    try {
      for (const f of await findDockerfiles(root)) files.add(relativePosix(baseDir, f));
    } catch (cause) {
      errors.push({
        file: configFile,
        message: `source "${source.path}" cannot be read: ${(cause as Error).message}`,
      });
    }
  }

  // What each Dockerfile produces, and the build args each build uses.
  const produced = new Map<string, ProducedImage[]>();
  const argSets = new Map<string, Array<Record<string, string>>>();
  for (const image of config.images) {
    const dockerfile = relativePosix(baseDir, path.resolve(baseDir, image.dockerfile));
    files.add(dockerfile);
    const list = produced.get(dockerfile) ?? [];
    list.push({
      name: image.name,
      tags: image.tags,
      source: 'config',
      file: configFile,
      digests: options.knownDigests?.get(image.name) ?? [],
    });
    produced.set(dockerfile, list);
    const sets = argSets.get(dockerfile) ?? [];
    sets.push({ ...image.buildArgs, ...options.buildArgs });
    argSets.set(dockerfile, sets);
  }
  for (const [dockerfile, images] of produced) {
    produced.set(dockerfile, normaliseImages(images, dockerfile, errors));
  }

  const deps = await Promise.all(
    [...files]
      .sort(compare)
      .map((f) => readDeps(baseDir, f, argSets.get(f) ?? [{ ...options.buildArgs }])),
  );
  const graph = buildGraph(deps, produced);
  graph.errors.unshift(...errors);
  return graph;
}

/** Extracts one Dockerfile once per distinct set of build args and merges the results. */
async function readDeps(
  baseDir: string,
  dockerfile: string,
  argSets: Array<Record<string, string>>,
): Promise<DockerfileDeps> {
  let text: string;
  try {
    text = await readFile(path.resolve(baseDir, dockerfile), 'utf8');
  } catch (cause) {
    return {
      dockerfile,
      dependencies: [],
      errors: [
        { file: dockerfile, line: null, message: `cannot read: ${(cause as Error).message}` },
      ],
    };
  }
  const dependencies: Dependency[] = [];
  const errors: GraphError[] = [];
  const seen = new Set<string>();
  for (const buildArgs of uniqueArgSets(argSets)) {
    const extract = extractDockerfile(text, { file: dockerfile, buildArgs });
    for (const r of extract.references) {
      const key = `${r.line}\n${r.kind}\n${r.ref ? JSON.stringify(r.ref) : ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      dependencies.push({ line: r.line, kind: r.kind, ref: toImageReference(r.ref) });
    }
    for (const e of extract.errors) {
      const message = e.message;
      if (!errors.some((x) => x.line === e.line && x.message === message))
        errors.push({ file: dockerfile, line: e.line, message });
    }
  }
  return { dockerfile, dependencies, errors };
}

/** The parsed reference of a valid report; invalid ones are already in the file's errors. */
function toImageReference(report: ReferenceReport | null): ImageReference | null {
  if (!report?.valid || report.name === null || report.domain === null || report.path === null) return null;
  return { name: report.name, domain: report.domain, path: report.path, tag: report.tag, digest: report.digest };
}

function uniqueArgSets(sets: Array<Record<string, string>>): Array<Record<string, string>> {
  const byKey = new Map<string, Record<string, string>>();
  for (const s of sets) byKey.set(JSON.stringify(Object.entries(s).sort()), s);
  return [...byKey.values()];
}

/**
 * Normalises catalog names the way Docker does (`python` is
 * `docker.io/library/python`) and merges entries naming the same image.
 */
function normaliseImages(
  images: ProducedImage[],
  dockerfile: string,
  errors: GraphError[],
): ProducedImage[] {
  const merged = new Map<string, ProducedImage>();
  for (const image of images) {
    const parsed = parseReference(image.name);
    if (!parsed.ok || parsed.ref.tag !== null || parsed.ref.digest !== null) {
      errors.push({
        file: image.file,
        message: parsed.ok
          ? `image "${image.name}" for ${dockerfile}: give the repository without a tag or digest and list tags under "tags"`
          : `image "${image.name}" for ${dockerfile}: ${parsed.error}`,
      });
      continue;
    }
    const badTag = image.tags.find((t) => !parseReference(`${parsed.ref.name}:${t}`).ok);
    if (badTag !== undefined) {
      errors.push({
        file: image.file,
        message: `image "${image.name}": tag "${badTag}" is not a valid tag`,
      });
    }
    const name = parsed.ref.name;
    const existing = merged.get(name);
    if (existing) existing.tags = [...new Set([...existing.tags, ...image.tags])];
    else merged.set(name, { ...image, name, tags: [...new Set(image.tags)] });
  }
  return [...merged.values()];
}
