import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ParseResult } from '@restack/catalog';
import type { ImageEntry } from '@restack/config';
import type { PushChange, Source, SourceChange } from '@restack/sources';
import { buildGraph, compare } from './build.js';
import { joinCatalog, toGraphError } from './catalog-join.js';
import { isDockerfileName } from './discover.js';
import { argsKey, extractDeps, uniqueArgSets } from './extract-deps.js';
import type { DockerfileDeps, Graph, GraphError } from './types.js';
import { parseUnit, unitOf } from './units.js';
import { diffGraphs, type GraphDelta } from './delta.js';

export interface GraphIndexSettings {
  baseDir: string;
  /** The config file, relative to baseDir (`restack.yaml`). */
  configFile: string;
  images: readonly ImageEntry[];
  sources: readonly Source[];
  buildArgs?: Record<string, string>;
  knownDigests?: ReadonlyMap<string, string[]>;
}

/** What the index keeps per file and unit; plain data, so it can be snapshotted. */
export interface IndexData {
  /** Text of every indexed file, by graph id. */
  texts: Map<string, string>;
  /** Why a file restack.yaml names could not be read. */
  readErrors: Map<string, string>;
  /** Parsed claims and problems per unit (see units.ts). */
  units: Map<string, ParseResult>;
  /** Last extraction of each Dockerfile, with the key of the build args it used. */
  extracts: Map<string, { key: string; deps: DockerfileDeps }>;
  /** Problems listing each source, by source name. */
  sourceProblems: Map<string, GraphError[]>;
  knownDigests: Map<string, string[]>;
}

export interface GraphIndex {
  readonly data: IndexData;
  readonly sources: readonly Source[];
  /** Lists and reads every source. */
  indexAll(): Promise<void>;
  /** Re-reads the files a change names (and only those), then rebuilds the graph. */
  apply(change: SourceChange): Promise<GraphDelta>;
  /** Fetches every git source and applies what changed; path sources are re-listed and compared. */
  refresh(): Promise<GraphDelta[]>;
  /** Applies a verified push webhook; undefined when no source holds that repository and branch. */
  push(push: PushChange): Promise<GraphDelta | undefined>;
  /** Records a digest a catalog image is now known by; true when the graph changed. */
  addKnownDigest(name: string, digest: string): boolean;
  graph(): Graph;
}

export function emptyIndexData(): IndexData {
  return {
    texts: new Map(),
    readErrors: new Map(),
    units: new Map(),
    extracts: new Map(),
    sourceProblems: new Map(),
    knownDigests: new Map(),
  };
}

/**
 * The index behind `restack graph` and the graph service: each file's text and
 * contribution is kept apart, so one file can be replaced or removed without
 * reading the others; the catalog join and the edges are rebuilt from the
 * kept parts (fast), never by reading the world again.
 */
export function createGraphIndex(settings: GraphIndexSettings, data: IndexData = emptyIndexData()): GraphIndex {
  const { baseDir } = settings;
  for (const [name, digests] of settings.knownDigests ?? []) data.knownDigests.set(name, [...digests]);
  let current: Graph | undefined;

  async function readConfigDockerfiles(): Promise<void> {
    for (const image of settings.images) {
      const id = path.relative(baseDir, path.resolve(baseDir, image.dockerfile)).split(path.sep).join('/');
      if (data.texts.has(id)) continue;
      try {
        data.texts.set(id, await readFile(path.resolve(baseDir, id), 'utf8'));
        data.readErrors.delete(id);
      } catch (e) {
        data.readErrors.set(id, (e as Error).message);
      }
    }
  }

  async function reparse(units: Iterable<string>): Promise<void> {
    for (const unit of units) {
      const result = await parseUnit(unit, data.texts, baseDir);
      if (result.claims.length || result.problems.length) data.units.set(unit, result);
      else data.units.delete(unit);
    }
  }

  function rebuild(): Graph {
    const claims = [...data.units.values()].flatMap((u) => u.claims);
    const problems = [...data.units.values()].flatMap((u) => u.problems);
    const catalog = joinCatalog({
      baseDir,
      configFile: settings.configFile,
      images: settings.images,
      claims,
      buildArgs: settings.buildArgs ?? {},
      knownDigests: data.knownDigests,
    });
    const dockerfiles = new Set<string>(catalog.configDockerfiles);
    for (const id of data.texts.keys()) if (isDockerfileName(id.slice(id.lastIndexOf('/') + 1))) dockerfiles.add(id);
    const deps: DockerfileDeps[] = [];
    for (const id of [...dockerfiles].sort(compare)) {
      const sets = uniqueArgSets(catalog.argSets.get(id) ?? [{ ...settings.buildArgs }]);
      const key = sets.map(argsKey).join('\n');
      const cached = data.extracts.get(id);
      if (cached && cached.key === key && data.texts.has(id)) {
        deps.push(cached.deps);
        continue;
      }
      const extracted = extractDeps(id, data.texts.get(id), sets, data.readErrors.get(id));
      if (data.texts.has(id)) data.extracts.set(id, { key, deps: extracted });
      deps.push(extracted);
    }
    for (const id of data.extracts.keys()) if (!dockerfiles.has(id)) data.extracts.delete(id);
    const graph = buildGraph(deps, catalog.produced);
    const sourceErrors = [...data.sourceProblems.values()].flat();
    const catalogErrors = problems.map((p) => toGraphError(p, baseDir));
    graph.errors.unshift(...sourceErrors, ...catalog.errors, ...catalogErrors);
    current = graph;
    return graph;
  }

  const graph = () => current ?? rebuild();

  async function apply(change: SourceChange): Promise<GraphDelta> {
    const before = graph();
    const ids = new Set(change.ids);
    if (change.prefix !== undefined) {
      for (const id of data.texts.keys()) if (id.startsWith(change.prefix)) ids.add(id);
    }
    const units = new Set<string>();
    const changed: string[] = [];
    for (const id of [...ids].sort(compare)) {
      const source = settings.sources.find((s) => s.owns(id));
      const text = source ? await source.read(id) : undefined;
      if (text === data.texts.get(id)) continue;
      if (text === undefined) data.texts.delete(id);
      else data.texts.set(id, text);
      data.extracts.delete(id);
      changed.push(id);
      const unit = unitOf(id);
      if (unit) units.add(unit);
    }
    await reparse(units);
    current = undefined;
    return diffGraphs(before, graph(), changed, change.repository);
  }

  return {
    data,
    sources: settings.sources,
    async indexAll() {
      const texts = new Map<string, string>();
      data.sourceProblems.clear();
      for (const source of settings.sources) {
        const listing = await source.list();
        data.sourceProblems.set(
          source.name,
          listing.problems.map((p) => ({ file: p.file === source.name ? settings.configFile : p.file, message: `source "${source.name}": ${p.message}` })),
        );
        await mapLimit(listing.ids, source.kind === 'github' ? 8 : 64, async (id) => {
          const text = await source.read(id);
          if (text !== undefined) texts.set(id, text);
        });
      }
      data.texts = texts;
      data.extracts.clear();
      data.readErrors.clear();
      await readConfigDockerfiles();
      data.units.clear();
      const units = new Set<string>();
      for (const id of data.texts.keys()) {
        const unit = unitOf(id);
        if (unit) units.add(unit);
      }
      await reparse([...units].sort(compare));
      current = undefined;
    },
    apply,
    async refresh() {
      const deltas: GraphDelta[] = [];
      for (const source of settings.sources) {
        const change = await source.update();
        if (change) {
          if (change.ids.length || change.prefix !== undefined) deltas.push(await apply(change));
          continue;
        }
        // No history to diff: list again and compare with what is kept.
        const listing = await source.list();
        const ids = new Set(listing.ids);
        for (const id of data.texts.keys()) if (source.owns(id)) ids.add(id);
        deltas.push(await apply({ ids: [...ids] }));
      }
      return deltas.filter((d) => d.changedFiles.length);
    },
    async push(p) {
      for (const source of settings.sources) {
        const change = await source.applyPush(p);
        if (change) return apply(change);
      }
      return undefined;
    },
    addKnownDigest(name, digest) {
      const list = data.knownDigests.get(name) ?? [];
      if (list.includes(digest)) return false;
      data.knownDigests.set(name, [...list, digest]);
      const produced = graph().nodes.some((n) => n.images.some((i) => i.name === name));
      current = undefined;
      return produced;
    },
    graph,
  };
}

async function mapLimit<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
