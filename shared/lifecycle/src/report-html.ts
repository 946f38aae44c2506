import type { AgeEntry } from './report-age.js';
import { byUrgency, type DeprecatedEntry } from './report-deprecated.js';
import { describeProducts } from './report-format.js';

export function escapeHtml(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

// Inline only: the page is mailed, attached and opened offline.
const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin-top:.5rem}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}code{font-size:.92em}.eol{color:#b3261e;font-weight:600}.deprecated{color:#9a6700;font-weight:600}
.eol-soon{color:#9a6700}.ok{color:#1a7f37}.unknown{color:#57606a}.muted{color:#57606a}svg text{font:12px system-ui,sans-serif}`;

const CLOCK_COLOURS: Record<string, string> = {
  created: '#0969da',
  'first-seen': '#8250df',
  pushed: '#1a7f37',
  unknown: '#8c959f',
};

/** A horizontal bar per image, length = age in days, colour = the clock it came from. */
export function ageChartSvg(entries: readonly AgeEntry[]): string {
  const rows = [...entries].sort((a, b) => (b.ageDays ?? -1) - (a.ageDays ?? -1));
  const max = Math.max(1, ...rows.map((r) => r.ageDays ?? 0));
  const labelWidth = 320;
  const barWidth = 420;
  const rowHeight = 20;
  const height = rows.length * rowHeight + 30;
  const bars = rows.map((r, i) => {
    const y = i * rowHeight + 4;
    const w = r.ageDays === null ? 0 : Math.max(1, Math.round((r.ageDays / max) * barWidth));
    const label = r.ageDays === null ? 'unknown' : `${r.ageDays} d`;
    return (
      `<text x="${labelWidth - 6}" y="${y + 12}" text-anchor="end">${escapeHtml(r.image)}</text>` +
      `<rect x="${labelWidth}" y="${y}" width="${w}" height="14" fill="${CLOCK_COLOURS[r.clock] ?? '#8c959f'}"><title>${escapeHtml(`${r.image}: ${label} (${r.clock})`)}</title></rect>` +
      `<text x="${labelWidth + w + 6}" y="${y + 12}">${escapeHtml(`${label} · ${r.clock}`)}</text>`
    );
  });
  const legend = Object.entries(CLOCK_COLOURS)
    .map(
      ([clock, colour], i) =>
        `<rect x="${labelWidth + i * 110}" y="${height - 18}" width="10" height="10" fill="${colour}"/><text x="${labelWidth + i * 110 + 14}" y="${height - 9}">${clock}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Image ages in days" width="${labelWidth + barWidth + 140}" height="${height}">${bars.join('')}${legend}</svg>`;
}

function table(header: string[], rows: string[][]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export interface HtmlReportInput {
  title: string;
  generatedAt: Date;
  age?: readonly AgeEntry[];
  deprecated?: readonly DeprecatedEntry[];
}

/** One self-contained page: inline CSS and SVG, no scripts, no external assets. */
export function htmlReport(input: HtmlReportInput): string {
  const parts: string[] = [];
  if (input.age) {
    parts.push(
      '<h2>Image age</h2>',
      input.age.length ? ageChartSvg(input.age) : '<p class="muted">No catalog images.</p>',
      table(
        [
          'image',
          'age (days)',
          'clock',
          'built',
          'base drift (days)',
          'base',
          'repository',
          'notes',
        ],
        input.age.map((e) => [
          `<code>${escapeHtml(e.image)}</code>`,
          escapeHtml(e.ageDays ?? 'unknown'),
          escapeHtml(e.clock),
          escapeHtml(e.builtAt ?? ''),
          escapeHtml(e.baseDriftDays ?? 'unknown'),
          escapeHtml(e.base ?? ''),
          escapeHtml(e.repository ?? ''),
          escapeHtml(e.notes.join('; ')),
        ]),
      ),
    );
  }
  if (input.deprecated) {
    const rows = [...input.deprecated].sort(byUrgency);
    parts.push(
      '<h2>Deprecated and end-of-life bases</h2>',
      rows[0] ? `<p class="muted">End-of-life data of ${escapeHtml(rows[0].dataDate)}.</p>` : '',
      table(
        [
          'status',
          'reference',
          'Dockerfile',
          'repository',
          'since',
          'products',
          'replacement',
          'reason',
        ],
        rows.map((e) => [
          `<span class="${escapeHtml(e.status)}">${escapeHtml(e.status)}</span>`,
          `<code>${escapeHtml(e.ref)}</code>`,
          escapeHtml(`${e.dockerfile}:${e.line}`),
          escapeHtml(e.repository ?? ''),
          escapeHtml(e.since ?? ''),
          escapeHtml(describeProducts(e)),
          escapeHtml(e.replacement ?? ''),
          escapeHtml(e.reason),
        ]),
      ),
    );
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(input.title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(input.title)}</h1><p class="muted">Generated ${escapeHtml(input.generatedAt.toISOString())} by restack.</p>
${parts.join('\n')}
</body></html>
`;
}
