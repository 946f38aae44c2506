import { readFile } from 'node:fs/promises';
import { RestackError, createLogger } from '@restack/core';
import { loadConfig, type ImageEntry, type LoadedConfig } from '@restack/config';
import { loadGraph } from '@restack/graph';
import { catalogBaseRefs, effectivePolicies, parseInstant } from '@restack/lifecycle';
import {
  gatePolicies,
  promoteImage,
  scanFactsSchema,
  type PromotionResult,
  type ScanFacts,
} from '@restack/promote';
import { parseReference, formatReference } from '@restack/reference';
import { createRegistryClient } from '@restack/registry';
import { parseCommandArgs, printJson, requireOption } from '../args.js';

export const promoteHelp = `restack promote [--config FILE] --image REF --to TAG... [--scan FILE]
                [--format text|json] [--now DATE]
  Gates a staged image and, when it passes, copies its manifest to the production
  tags over the registry API (blobs mounted across repositories, no layer pull or push).
  The gate: the policies (the image's promote.policies, else every policy selecting it;
  the built-in baseline without a config) and base verification (the scan's verdict, else
  the base labels against the registry). A bare --to TAG is a tag of the image's
  production repository: its catalog name when the image (or its promote.stagingRepository)
  is in the config, else the --image repository; host/repo:tag is used as is.
  --scan reads {scanner, databaseUpdatedAt, counts: {critical, high, medium, low, unknown},
  baseVerified, fixes?: [{id, package, severity, fixSince}]} for vulnerability rules
  (fixes: maxDaysSinceFix) and base verification.
  Exit 0 promoted, 1 refused by policy (nothing changed), 2 error.`;

const FORMATS = ['text', 'json'] as const;

export async function promoteCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('promote', argv, {
    config: { type: 'string', short: 'c' },
    image: { type: 'string' },
    to: { type: 'string', multiple: true },
    scan: { type: 'string' },
    format: { type: 'string', default: 'text' },
    now: { type: 'string' },
  });
  const format = values.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new RestackError('cli.usage', `unknown --format "${format}"`, {
      fix: `use one of ${FORMATS.join(', ')}`,
    });
  }
  const image = requireOption('promote', values.image, '--image');
  const to = values.to ?? [];
  if (to.length === 0) requireOption('promote', undefined, '--to');
  const parsed = parseReference(image);
  if (!parsed.ok) {
    throw new RestackError('cli.usage', `--image "${image}": ${parsed.error}`, {
      fix: 'write it as host/repository:tag or host/repository@sha256:...',
    });
  }
  const now = values.now ? parseInstant(values.now) : new Date();
  const loaded = values.config ? await loadConfig(values.config) : null;
  const entry = loaded ? catalogEntry(loaded, parsed.ref.name) : null;
  const production = entry?.name ?? parsed.ref.name;
  const registries = loaded?.config.registries ?? {};
  const registry = createRegistryClient({
    registries,
    logger: createLogger({ name: 'promote', level: process.env.RESTACK_LOG_LEVEL ?? 'warn' }),
  });
  try {
    const scan = values.scan ? await readScan(values.scan) : undefined;
    const result = await promoteImage(
      {
        image,
        to,
        repository: production,
        policies: gatePolicies(
          effectivePolicies(loaded?.config.policies ?? []),
          entry?.promote?.policies,
        ),
        ...(loaded ? { lifecycle: loaded.config.lifecycle } : {}),
        registry,
        registries,
        ...(scan ? { scan } : {}),
        ...(entry && loaded ? { baseRefs: await baseRefsOf(loaded, entry) } : {}),
        now,
      },
      {
        sources: [
          loaded?.file
            ? { kind: 'config', detail: loaded.file }
            : { kind: 'config', detail: 'built-in baseline policy' },
        ],
      },
    );
    if (format === 'json') {
      // `promoted` lists the --to tags as given: the copy is all or nothing (a failure is exit 2).
      const promoted = result.outcome === 'promoted' ? [...new Set(to)] : [];
      printJson({
        image: result.image,
        digest: result.digest,
        promoted,
        verdicts: result.verdicts,
      });
    } else process.stdout.write(promoteText(result));
    return result.outcome === 'promoted' ? 0 : 1;
  } finally {
    registry.close();
  }
}

/** The catalog image whose name or staging repository is this repository. */
function catalogEntry(loaded: LoadedConfig, repository: string): ImageEntry | null {
  const norm = (name: string) => {
    const p = parseReference(name);
    return p.ok ? p.ref.name : name;
  };
  return (
    loaded.config.images.find(
      (i) =>
        norm(i.name) === repository ||
        (i.promote?.stagingRepository !== undefined &&
          norm(i.promote.stagingRepository) === repository),
    ) ?? null
  );
}

async function baseRefsOf(loaded: LoadedConfig, entry: ImageEntry): Promise<string[]> {
  const refs = catalogBaseRefs(await loadGraph(loaded));
  const parsed = parseReference(`${entry.name}:${entry.tags[0] ?? 'latest'}`);
  return parsed.ok ? (refs.get(formatReference(parsed.ref)) ?? []) : [];
}

async function readScan(file: string): Promise<ScanFacts> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new RestackError(
      'cli.scan-unreadable',
      `cannot read the scan: ${(cause as Error).message}`,
      {
        where: file,
        cause,
        fix: 'pass a JSON file holding {scanner, databaseUpdatedAt, counts, baseVerified}',
      },
    );
  }
  const parsed = scanFactsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RestackError(
      'cli.scan-invalid',
      `invalid scan: ${issue?.path.join('.') || '(top)'}: ${issue?.message}`,
      {
        where: file,
        fix: 'write {scanner, databaseUpdatedAt, counts: {critical, high, medium, low, unknown}, baseVerified}',
      },
    );
  }
  return parsed.data;
}

const MARK = { pass: 'pass', warn: 'WARN', fail: 'FAIL', 'not-evaluated': 'n/a ' } as const;

/** A CI log: the outcome first, then one line per verdict. */
export function promoteText(r: PromotionResult): string {
  const head =
    r.outcome === 'promoted'
      ? `promoted ${r.image} (${r.digest}) to ${r.promoted.join(', ')}`
      : `refused ${r.image} (${r.digest}): production tags unchanged\n  ${r.reason}`;
  const lines = r.verdicts.map(
    (v) => `  ${MARK[v.result]}  ${v.policy}@${v.policyVersion} ${v.rule}: ${v.message}`,
  );
  const first = r.verdicts[0];
  const audit = first
    ? [
        `  scanner: ${first.scanner ? `${first.scanner.name} (database ${first.scanner.databaseUpdatedAt ?? 'date unknown'})` : 'none'}`,
        `  sources: ${first.sources.map((s) => `${s.kind}=${s.detail}`).join('; ')}`,
      ]
    : [];
  return [head, ...lines, ...audit].join('\n') + '\n';
}
