import type { AgeEntry } from './report-age.js';
import { byUrgency, type DeprecatedEntry } from './report-deprecated.js';

export const REPORT_FORMATS = ['json', 'markdown', 'html', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** RFC 4180: quote a field that holds a comma, a quote or a line break. */
export function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** A product list in one cell: `python 3.8 (end of life 2024-10-07, 120 days ago)`. */
export function describeProducts(entry: DeprecatedEntry): string {
  return entry.products
    .map((p) => {
      const name = `${p.product}${p.cycle ? ` ${p.cycle}` : ''}`;
      if (p.eol === null) return name;
      const when =
        p.daysPastEol === null
          ? ''
          : p.daysPastEol >= 0
            ? `, ${p.daysPastEol} days ago`
            : `, in ${-p.daysPastEol} days`;
      return `${name} (end of life ${p.eol}${when})`;
    })
    .join('; ');
}

export function deprecatedCsv(entries: readonly DeprecatedEntry[]): string {
  return csv(
    [
      'dockerfile',
      'line',
      'ref',
      'status',
      'products',
      'since',
      'replacement',
      'reason',
      'repository',
      'dataDate',
    ],
    entries.map((e) => [
      e.dockerfile,
      e.line,
      e.ref,
      e.status,
      describeProducts(e),
      e.since,
      e.replacement,
      e.reason,
      e.repository,
      e.dataDate,
    ]),
  );
}

export function ageCsv(entries: readonly AgeEntry[]): string {
  return csv(
    [
      'image',
      'digest',
      'builtAt',
      'clock',
      'ageDays',
      'baseDriftDays',
      'base',
      'repository',
      'dockerfile',
      'notes',
    ],
    entries.map((e) => [
      e.image,
      e.digest,
      e.builtAt,
      e.clock,
      e.ageDays,
      e.baseDriftDays,
      e.base,
      e.repository,
      e.dockerfile,
      e.notes.join('; '),
    ]),
  );
}

/** Markdown table cell: pipes escaped, line breaks flattened. */
export function mdCell(value: unknown): string {
  const text = value === null || value === undefined || value === '' ? '–' : String(value);
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replace(/\r?\n/g, ' ');
}

function mdTable(header: string[], rows: unknown[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.map(mdCell).join(' | ')} |`);
  return lines.join('\n');
}

export function deprecatedMarkdown(entries: readonly DeprecatedEntry[], generatedAt: Date): string {
  const flagged = entries
    .filter((e) => e.status !== 'ok' && e.status !== 'unknown')
    .sort(byUrgency);
  const counts = ['eol', 'deprecated', 'eol-soon', 'ok', 'unknown'].map(
    (s) => `${s}: ${entries.filter((e) => e.status === s).length}`,
  );
  const dataDate = entries[0]?.dataDate;
  return [
    '# Deprecated and end-of-life base images',
    '',
    `Evaluated ${generatedAt.toISOString().slice(0, 10)}${dataDate ? `; end-of-life data of ${dataDate}` : ''}. ${counts.join(', ')}.`,
    '',
    flagged.length === 0
      ? 'No Dockerfile uses an end-of-life, deprecated or soon-to-end base.'
      : mdTable(
          ['status', 'reference', 'Dockerfile', 'repository', 'since', 'products', 'replacement'],
          flagged.map((e) => [
            e.status,
            `\`${e.ref}\``,
            `${e.dockerfile}:${e.line}`,
            e.repository,
            e.since,
            describeProducts(e),
            e.replacement,
          ]),
        ),
    '',
  ].join('\n');
}

export function ageMarkdown(entries: readonly AgeEntry[], generatedAt: Date): string {
  const sorted = [...entries].sort((a, b) => (b.ageDays ?? -1) - (a.ageDays ?? -1));
  return [
    '# Image age and base drift',
    '',
    `Evaluated ${generatedAt.toISOString()}. The clock column says where each build time came from: \`created\` (image config), \`first-seen\` (when restack first saw the digest), \`pushed\` (registry), or \`unknown\`.`,
    '',
    mdTable(
      ['image', 'age (days)', 'clock', 'built', 'base drift (days)', 'base', 'repository', 'notes'],
      sorted.map((e) => [
        `\`${e.image}\``,
        e.ageDays,
        e.clock,
        e.builtAt,
        e.baseDriftDays,
        e.base,
        e.repository,
        e.notes.join('; '),
      ]),
    ),
    '',
  ].join('\n');
}
