import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ParseResult } from '@restack/catalog';
import type { ImageEntry } from '@restack/config';
import type { PushChange, Source, SourceChange } from '@restack/sources';
import { buildGraph, compare, indexProducers, type Producers } from './build.js';
import { joinCatalog, toGraphError, type JoinedCatalog } from './catalog-join.js';
import { isDockerfileName } from './discover.js';
import { argsKey, extractDeps, uniqueArgSets } from './extract-deps.js';
import type { DockerfileDeps, Graph, GraphError } from './types.js';
import { parseUnit, unitOf } from './units.js';
import { diffGraphs, type GraphDelta } from './delta.js';
import { patchGraph } from './incremental.js';

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
  /** A graph restored from a snapshot, used as is when taken with the same images and build args. */
  restored?: { key: string; graph: Omit<Graph, 'dependencies'> };
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
  /** Identifies the images and build args the graph is made with (see IndexData.restored). */
  readonly settingsKey: string;
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
export function createGraphIndex(
  settings: GraphIndexSettings,
  data: IndexData = emptyIndexData(),
): GraphIndex {
  const { baseDir } = settings;
  for (const [name, digests] of settings.knownDigests ?? [])
    data.knownDigests.set(name, [...digests]);
  const settingsKey = createHash('sha256')
    .update(JSON.stringify([settings.configFile, settings.images, settings.buildArgs ?? {}]))
    .digest('hex');
  let current: Graph | undefined;
  /** Bumped when a file appears or disappears, so the sorted id list is redone only then. */
  let textsVersion = 0;
  let sortedIds: { version: string; ids: string[]; set: Set<string> } | undefined;
  /** The graph before the pending changes, the catalog version it was built with, and the Dockerfiles changed since. */
  let patchable: { graph: Graph; version: number; changed: Set<string> } | undefined;
  // The catalog join is redone only when a unit's claims or the known digests changed.
  let catalogVersion = 0;
  let joined:
    | {
        version: number;
        catalog: JoinedCatalog;
        producers: Producers;
        /** Build-arg sets per Dockerfile and their key, worked out once per join. */
        args: Map<string, { sets: Array<Record<string, string>>; key: string }>;
      }
    | undefined;

  async function readConfigDockerfiles(): Promise<void> {
    for (const image of settings.images) {
      const id = path
        .relative(baseDir, path.resolve(baseDir, image.dockerfile))
        .split(path.sep)
        .join('/');
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
      const before = data.units.get(unit);
      if (result.claims.length || result.problems.length) data.units.set(unit, result);
      else data.units.delete(unit);
      if (!sameResult(before, data.units.get(unit))) catalogVersion++;
    }
  }

  function join() {
    if (!joined || joined.version !== catalogVersion) {
      const catalog = joinCatalog({
        baseDir,
        configFile: settings.configFile,
        images: settings.images,
        claims: [...data.units.values()].flatMap((u) => u.claims),
        buildArgs: settings.buildArgs ?? {},
        knownDigests: data.knownDigests,
      });
      const args = new Map<string, { sets: Array<Record<string, string>>; key: string }>();
      for (const [id, list] of catalog.argSets) {
        const sets = uniqueArgSets(list);
        args.set(id, { sets, key: sets.map(argsKey).join('\n') });
      }
      joined = {
        version: catalogVersion,
        catalog,
        producers: indexProducers(catalog.produced),
        args,
      };
    }
    const problems = [...data.units.values()].flatMap((u) =>
      u.problems.map((p) => toGraphError(p, baseDir)),
    );
    return { ...joined, problems };
  }

  function rebuild(): Graph {
    const { catalog, producers, problems, args } = join();
    const noArgs = uniqueArgSets([{ ...settings.buildArgs }]);
    const noArgsKey = noArgs.map(argsKey).join('\n');
    if (!sortedIds || sortedIds.version !== `${catalogVersion}/${textsVersion}`) {
      // Dockerfiles a claim names are nodes even when missing, reported as unreadable.
      const set = new Set<string>([...catalog.configDockerfiles, ...catalog.produced.keys()]);
      for (const id of data.texts.keys())
        if (isDockerfileName(id.slice(id.lastIndexOf('/') + 1))) set.add(id);
      sortedIds = {
        version: `${catalogVersion}/${textsVersion}`,
        ids: [...set].sort(compare),
        set,
      };
    }
    const dockerfiles = sortedIds.set;
    const deps: DockerfileDeps[] = [];
    for (const id of sortedIds.ids) {
      const own = args.get(id);
      const sets = own?.sets ?? noArgs;
      const key = own?.key ?? noArgsKey;
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
    const graph =
      patchable && patchable.version === catalogVersion
        ? patchGraph(patchable.graph, deps, patchable.changed, catalog.produced, producers)
        : buildGraph(deps, catalog.produced, producers);
    patchable = undefined;
    const sourceErrors = [...data.sourceProblems.values()].flat();
    graph.errors.unshift(...sourceErrors, ...catalog.errors, ...problems);
    current = graph;
    return graph;
  }

  // A snapshot's graph saves rebuilding it at start-up; the catalog is joined at the first update.
  if (data.restored?.key === settingsKey) {
    const dependencies = new Map([...data.extracts].map(([id, e]) => [id, e.deps.dependencies]));
    current = { ...data.restored.graph, dependencies };
  }
  delete data.restored;

  const graph = () => current ?? rebuild();

  async function apply(change: SourceChange): Promise<GraphDelta> {
    const before = graph();
    const versionBefore = catalogVersion;
    const ids = new Set(change.ids);
    if (change.prefix !== undefined) {
      for (const id of data.texts.keys()) if (id.startsWith(change.prefix)) ids.add(id);
    }
    const units = new Set<string>();
    const changed: string[] = [];
    for (const id of [...ids].sort(compare)) {
      const source = settings.sources.find((s) => s.owns(id));
      if (!source) continue;
      const text = await source.read(id);
      if (text === data.texts.get(id)) continue;
      if (text === undefined || !data.texts.has(id)) textsVersion++;
      if (text === undefined) data.texts.delete(id);
      else data.texts.set(id, text);
      data.extracts.delete(id);
      changed.push(id);
      const unit = unitOf(id);
      if (unit) units.add(unit);
    }
    await reparse(units);
    patchable = { graph: before, version: versionBefore, changed: new Set(changed) };
    current = undefined;
    // With the catalog unchanged only edges into (or out of removed) changed files can differ.
    const scope = catalogVersion === versionBefore ? new Set(changed) : undefined;
    return diffGraphs(before, graph(), changed, change.repository, scope);
  }

  return {
    data,
    settingsKey,
    sources: settings.sources,
    async indexAll() {
      const texts = new Map<string, string>();
      data.sourceProblems.clear();
      for (const source of settings.sources) {
        const listing = await source.list();
        data.sourceProblems.set(
          source.name,
          listing.problems.map((p) => ({
            file: p.file === source.name ? settings.configFile : p.file,
            message: `source "${source.name}": ${p.message}`,
          })),
        );
        await mapLimit(listing.ids, source.kind === 'github' ? 8 : 64, async (id) => {
          const text = await source.read(id);
          if (text !== undefined) texts.set(id, text);
        });
      }
      data.texts = texts;
      textsVersion++;
      data.extracts.clear();
      data.readErrors.clear();
      await readConfigDockerfiles();
      data.units.clear();
      catalogVersion++;
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
      catalogVersion++;
      const produced = graph().nodes.some((n) => n.images.some((i) => i.name === name));
      current = undefined;
      return produced;
    },
    graph,
  };
}

async function mapLimit<T>(
  items: readonly T[],
  size: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}

function sameResult(a: ParseResult | undefined, b: ParseResult | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b));
}
