import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RestackError } from '@restack/core';
import type { Catalog, LifecycleConfig } from '@restack/eol';
import { parseReference, formatReference } from '@restack/reference';
import { dockerfileFacts } from './dockerfile-facts.js';
import { evaluatePolicies, type DataSource, type Verdict } from './evaluate.js';
import { imageSubject, type ImageSubjectPorts } from './image-subject.js';
import type { SourceLayout } from './layout.js';
import { owningRepository } from './owner.js';
import type { Policy, ScanSummary } from './schema.js';
import type { DockerfileSubject } from './subject.js';

/** A catalog entry as restack.yaml's `images:` holds it. */
export interface CatalogEntry {
  name: string;
  tags: readonly string[];
  /** Relative to the config folder. */
  dockerfile: string;
  buildArgs?: Record<string, string>;
  target?: string | undefined;
}

export interface CheckRequest {
  /** Dockerfiles to check statically (absolute paths or relative to `root`). */
  dockerfiles: readonly string[];
  images: readonly string[];
  /** Paths are shown relative to it (the config folder, else the working directory). */
  root: string;
  layout: SourceLayout | null;
  catalog: readonly CatalogEntry[];
  policies: readonly Policy[];
  now: Date;
  eol: Catalog;
  lifecycle?: LifecycleConfig;
  /** Needed when `images` is not empty. */
  imagePorts?: ImageSubjectPorts;
  scans?: readonly ScanSummary[];
  sources?: readonly DataSource[];
}

const posix = (p: string) => p.split(path.sep).join('/');

function normalise(image: string): string {
  const parsed = parseReference(image);
  return parsed.ok ? formatReference(parsed.ref) : image;
}

/** Evaluates the policies for every Dockerfile and image asked for, in order. */
export async function runCheck(req: CheckRequest): Promise<Verdict[]> {
  const ctx = {
    now: req.now,
    catalog: req.eol,
    ...(req.lifecycle ? { lifecycle: req.lifecycle } : {}),
    sources: [
      ...(req.sources ?? []),
      { kind: 'eol-catalog' as const, detail: `end-of-life catalog data of ${req.eol.dataDate}` },
    ],
  };
  const verdicts: Verdict[] = [];
  for (const file of req.dockerfiles) {
    const subject = await dockerfileSubject(file, req);
    verdicts.push(evaluatePolicies(subject, req.policies, ctx));
  }
  if (req.images.length > 0 && !req.imagePorts)
    throw new Error('runCheck: imagePorts are required for images');
  for (const image of req.images) {
    const entry = catalogEntryOf(image, req.catalog);
    const line = entry ? await lastFromLine(path.resolve(req.root, entry.dockerfile), entry) : null;
    const scans = req.scans ?? [];
    const subject = await imageSubject(
      image,
      {
        ...req.imagePorts!,
        scans: async (digest) =>
          [...scans]
            .filter((s) => s.digest === digest)
            .sort((a, b) => b.scannedAt.localeCompare(a.scannedAt))[0] ??
          (req.imagePorts!.scans ? await req.imagePorts!.scans(digest) : null),
      },
      req.now,
      {
        repository: entry && req.layout ? owningRepository(req.layout, entry.dockerfile) : null,
        dockerfile: entry && line !== null ? { file: posix(entry.dockerfile), line } : null,
      },
    );
    const registry: DataSource = subject.facts
      ? { kind: 'registry', detail: `${subject.facts.reference}@${subject.facts.digest}` }
      : { kind: 'registry', detail: `${image}: ${subject.failure}` };
    verdicts.push(
      evaluatePolicies(subject, req.policies, { ...ctx, sources: [...ctx.sources, registry] }),
    );
  }
  return verdicts;
}

function catalogEntryOf(image: string, catalog: readonly CatalogEntry[]): CatalogEntry | undefined {
  const wanted = normalise(image);
  return catalog.find((e) => e.tags.some((t) => normalise(`${e.name}:${t}`) === wanted));
}

async function dockerfileSubject(file: string, req: CheckRequest): Promise<DockerfileSubject> {
  const absolute = path.resolve(req.root, file);
  const display = posix(path.relative(req.root, absolute));
  const entries = req.catalog.filter((e) => path.resolve(req.root, e.dockerfile) === absolute);
  const entry = entries[0];
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (cause) {
    throw new RestackError(
      'lifecycle.dockerfile-unreadable',
      `cannot read the Dockerfile: ${(cause as Error).message}`,
      {
        cause,
        where: absolute,
        fix: 'pass an existing Dockerfile with --dockerfile FILE',
      },
    );
  }
  const facts = dockerfileFacts(text, display, {
    ...(entry?.target ? { target: entry.target } : {}),
    ...(entry?.buildArgs ? { buildArgs: entry.buildArgs } : {}),
  });
  return {
    kind: 'dockerfile',
    file: display,
    repository: req.layout ? owningRepository(req.layout, absolute) : null,
    images: entries.flatMap((e) => e.tags.map((t) => `${e.name}:${t}`)),
    facts,
  };
}

/** The line of the FROM the built stage starts from: where image findings point in SARIF. */
async function lastFromLine(file: string, entry: CatalogEntry): Promise<number | null> {
  try {
    const facts = dockerfileFacts(
      await readFile(file, 'utf8'),
      file,
      entry.target ? { target: entry.target } : {},
    );
    return facts.bases.at(-1)?.line ?? null;
  } catch {
    return null;
  }
}
