import { RestackError, createLogger } from '@restack/core';
import { loadConfig } from '@restack/config';
import { loadCatalog } from '@restack/eol';
import { loadGraph } from '@restack/graph';
import { createFetchImageSource } from '@restack/inventory';
import {
  REPORT_FORMATS,
  ageCsv,
  ageMarkdown,
  ageReport,
  catalogBaseRefs,
  createRegistryBaseHistory,
  createRegistryInspector,
  deprecatedCsv,
  deprecatedMarkdown,
  deprecatedReport,
  htmlReport,
  parseInstant,
  type ReportFormat,
} from '@restack/lifecycle';
import { createRegistryClient } from '@restack/registry';
import { parseCommandArgs, printJson, requireOption } from '../args.js';

export const reportHelp = `restack report deprecated|age --config FILE [--now DATE] [--format json|markdown|html|csv]
  deprecated: every (Dockerfile, reference) of the graph with its end-of-life status
    [{dockerfile, line, ref, status, products: [{product, cycle, eol, daysPastEol}],
      replacement, reason, repository, kind, since, dataDate}]
    status is eol | deprecated | eol-soon | ok | unknown. No registry access.
  age: every catalog image's build time and base drift, read from its registry
    [{image, digest, builtAt, clock, ageDays, baseDriftDays, repository, dockerfile, base, ...}]
    clock says where builtAt came from: created (image config, when after 1980-01-02
    and not in the future), first-seen (the lifecycle service only), pushed (registries
    that report it; plain distribution does not), or unknown.
  --now fixes the clock (YYYY-MM-DD or RFC 3339). html is one self-contained page.
  Exit 0, or 1 when the graph has errors (listed on stderr).`;

const KINDS = ['deprecated', 'age'] as const;

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('report', argv, {
    config: { type: 'string', short: 'c' },
    now: { type: 'string' },
    format: { type: 'string', default: 'json' },
  });
  const kind = positionals[0];
  if (!KINDS.includes(kind as (typeof KINDS)[number]) || positionals.length !== 1) {
    throw new RestackError('cli.usage', `restack report: say which report: ${KINDS.join(' or ')}`, {
      fix: 'run "restack report deprecated --config restack.yaml" or "restack report age --config restack.yaml"',
    });
  }
  const format = values.format ?? 'json';
  if (!REPORT_FORMATS.includes(format as ReportFormat)) {
    throw new RestackError('cli.usage', `unknown --format "${format}"`, {
      fix: `use one of ${REPORT_FORMATS.join(', ')}`,
    });
  }
  // The CLI is where the clock is read; everything below takes it as a value.
  const now = values.now ? parseInstant(values.now) : new Date();
  const loaded = await loadConfig(requireOption('report', values.config, '--config'));
  const graph = await loadGraph(loaded);
  const layout = { baseDir: loaded.baseDir, sources: loaded.config.sources };
  for (const e of graph.errors)
    process.stderr.write(`${e.file ?? ''}${e.line ? `:${e.line}` : ''}: ${e.message}\n`);

  if (kind === 'deprecated') {
    const entries = deprecatedReport(layout, graph, {
      catalog: await loadCatalog(),
      now,
      lifecycle: loaded.config.lifecycle,
    });
    if (format === 'json') printJson(entries);
    else if (format === 'csv') process.stdout.write(deprecatedCsv(entries));
    else if (format === 'markdown') process.stdout.write(deprecatedMarkdown(entries, now));
    else
      process.stdout.write(
        htmlReport({
          title: 'Deprecated and end-of-life base images',
          generatedAt: now,
          deprecated: entries,
        }),
      );
    return graph.errors.length ? 1 : 0;
  }

  const registries = loaded.config.registries;
  const registry = createRegistryClient({
    registries,
    logger: createLogger({ name: 'report', level: process.env.RESTACK_LOG_LEVEL ?? 'warn' }),
  });
  const basesOf = catalogBaseRefs(graph);
  try {
    const entries = await ageReport(
      layout,
      graph,
      {
        inspector: createRegistryInspector({
          registry,
          configSource: createFetchImageSource({
            plainHttp: (host) => registries[host]?.insecure === true,
          }),
        }),
        bases: createRegistryBaseHistory(registry, (image) => basesOf.get(image.reference) ?? []),
      },
      now,
    );
    if (format === 'json') printJson(entries);
    else if (format === 'csv') process.stdout.write(ageCsv(entries));
    else if (format === 'markdown') process.stdout.write(ageMarkdown(entries, now));
    else
      process.stdout.write(
        htmlReport({ title: 'Image age and base drift', generatedAt: now, age: entries }),
      );
    return graph.errors.length ? 1 : 0;
  } finally {
    registry.close();
  }
}
