import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { RestackError, createLogger } from '@restack/core';
import { loadConfig, type LoadedConfig } from '@restack/config';
import { loadCatalog } from '@restack/eol';
import { loadGraph } from '@restack/graph';
import { createFetchImageSource } from '@restack/inventory';
import {
  CHECK_FORMATS,
  catalogBaseRefs,
  checkMarkdown,
  checkText,
  createRegistryBaseHistory,
  createRegistryInspector,
  effectivePolicies,
  overallDecision,
  parseInstant,
  runCheck,
  scanSummarySchema,
  toSarif,
  type CheckFormat,
  type ScanSummary,
} from '@restack/lifecycle';
import { createRegistryClient } from '@restack/registry';
import { parseCommandArgs, printJson } from '../args.js';

export const checkHelp = `restack check [--config FILE] [--image REF]... [--dockerfile FILE]... [--scan FILE]...
              [--format text|json|sarif|markdown] [--now DATE]
  Evaluates the config's policies (or the built-in baseline when it has none) for CI
  gates. A Dockerfile is checked statically (FROM references, USER, EXPOSE); an image
  through its registry config (created, User, ExposedPorts, labels). With a config and
  no --image or --dockerfile, every Dockerfile of the graph is checked. --scan reads
  scan summaries ({image, digest, scanner, scannedAt, counts: {critical, high, medium,
  low, unknown}, fixes?: [{id, package, severity, fixSince}]}, one or an array) for
  maxVulnerabilities and, with fixes, maxDaysSinceFix. Every verdict names the
  policies (name@version) and the data sources it used. sarif is SARIF 2.1.0 with
  Dockerfile line locations.
  Exit 0 pass (warnings allowed), 1 denied, 2 error (usage, config, an unreadable image).`;

export async function checkCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('check', argv, {
    config: { type: 'string', short: 'c' },
    image: { type: 'string', multiple: true },
    dockerfile: { type: 'string', multiple: true },
    scan: { type: 'string', multiple: true },
    format: { type: 'string', default: 'text' },
    now: { type: 'string' },
  });
  const format = values.format ?? 'text';
  if (!CHECK_FORMATS.includes(format as CheckFormat)) {
    throw new RestackError('cli.usage', `unknown --format "${format}"`, {
      fix: `use one of ${CHECK_FORMATS.join(', ')}`,
    });
  }
  const now = values.now ? parseInstant(values.now) : new Date();
  const loaded = values.config ? await loadConfig(values.config) : null;
  const images = values.image ?? [];
  // Paths on the command line are relative to where restack runs; reports show them relative to the config.
  const root = loaded?.baseDir ?? process.cwd();
  let dockerfiles = (values.dockerfile ?? []).map((f) => path.resolve(f));
  if (dockerfiles.length === 0 && images.length === 0) {
    if (!loaded) {
      throw new RestackError('cli.usage', 'restack check: nothing to check', {
        fix: 'pass --config FILE, or --image REF / --dockerfile FILE',
      });
    }
    dockerfiles = [...(await loadGraph(loaded)).dependencies.keys()]
      .sort()
      .map((f) => path.resolve(root, f));
  }
  const registries = loaded?.config.registries ?? {};
  // Bases an image without labels may be built on: its Dockerfile's FROM references.
  const basesOf =
    loaded && images.length
      ? catalogBaseRefs(await loadGraph(loaded))
      : new Map<string, string[]>();
  const registry = images.length
    ? createRegistryClient({
        registries,
        logger: createLogger({ name: 'check', level: process.env.RESTACK_LOG_LEVEL ?? 'warn' }),
      })
    : null;
  try {
    const verdicts = await runCheck({
      dockerfiles,
      images,
      root,
      layout: loaded ? { baseDir: loaded.baseDir, sources: loaded.config.sources } : null,
      catalog: loaded ? catalogOf(loaded) : [],
      policies: effectivePolicies(loaded?.config.policies ?? []),
      now,
      eol: await loadCatalog(),
      ...(loaded ? { lifecycle: loaded.config.lifecycle } : {}),
      ...(registry
        ? {
            imagePorts: {
              inspector: createRegistryInspector({
                registry,
                configSource: createFetchImageSource({
                  plainHttp: (host) => registries[host]?.insecure === true,
                }),
              }),
              bases: createRegistryBaseHistory(
                registry,
                (image) => basesOf.get(image.reference) ?? [],
              ),
            },
          }
        : {}),
      scans: await readScans(values.scan ?? []),
      sources: loaded?.file
        ? [{ kind: 'config', detail: loaded.file }]
        : [{ kind: 'config', detail: 'built-in baseline policy' }],
    });
    if (format === 'json') printJson({ decision: overallDecision(verdicts), verdicts });
    else if (format === 'sarif')
      printJson(toSarif(verdicts, { toolVersion: '0.1.0', sourceRoot: root }));
    else if (format === 'markdown') process.stdout.write(checkMarkdown(verdicts));
    else process.stdout.write(checkText(verdicts));
    if (overallDecision(verdicts) === 'deny') return 1;
    return verdicts.some((v) => v.problems.length > 0) ? 2 : 0;
  } finally {
    registry?.close();
  }
}

function catalogOf(loaded: LoadedConfig) {
  return loaded.config.images.map((i) => ({
    name: i.name,
    tags: i.tags,
    dockerfile: i.dockerfile,
    buildArgs: i.buildArgs,
    target: i.target,
  }));
}

async function readScans(files: readonly string[]): Promise<ScanSummary[]> {
  const out: ScanSummary[] = [];
  for (const file of files) {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch (cause) {
      throw new RestackError(
        'cli.scan-unreadable',
        `cannot read the scan summary: ${(cause as Error).message}`,
        {
          where: file,
          cause,
          fix: 'pass a JSON file holding one scan summary or an array of them',
        },
      );
    }
    const parsed = z.array(scanSummarySchema).safeParse(Array.isArray(raw) ? raw : [raw]);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RestackError(
        'cli.scan-invalid',
        `invalid scan summary: ${issue?.path.join('.')}: ${issue?.message}`,
        {
          where: file,
          fix: 'write {image, digest, scanner, scannedAt, counts: {critical, high, medium, low, unknown}}',
        },
      );
    }
    out.push(...parsed.data);
  }
  return out;
}
