import type { AgeEntry } from './report-age.js';
import { byUrgency, type DeprecatedEntry } from './report-deprecated.js';
import { describeProducts, mdCell } from './report-format.js';

export const DASHBOARD_TITLE = 'Base image dashboard';
/** Marks restack's issue, so that a renamed title does not start a second one. */
export const DASHBOARD_MARKER = '<!-- restack:base-image-dashboard -->';

export interface DashboardIssue {
  repository: string;
  title: string;
  body: string;
}

/**
 * Where dashboards are kept: one open issue per repository.
 * @restack/svc-lifecycle's `issueDashboards` implements it over @restack/github's port.
 */
export interface DashboardIssuePort {
  /** Whether this port can keep a dashboard for the repository; default yes. */
  handles?(repository: string): boolean;
  /** The open issue whose body carries DASHBOARD_MARKER, or null. */
  find(repository: string): Promise<{ number: number; body: string } | null>;
  create(repository: string, title: string, body: string): Promise<{ number: number }>;
  update(repository: string, number: number, body: string): Promise<void>;
}

/** One dashboard per owning repository: its deprecated bases first, then image ages. */
export function dashboardIssues(
  deprecated: readonly DeprecatedEntry[],
  age: readonly AgeEntry[],
  generatedAt: Date,
): DashboardIssue[] {
  const repositories = new Set<string>();
  for (const e of [...deprecated, ...age]) if (e.repository) repositories.add(e.repository);
  return [...repositories].sort().map((repository) => {
    const flagged = deprecated
      .filter((e) => e.repository === repository && e.status !== 'ok' && e.status !== 'unknown')
      .sort(byUrgency);
    const images = age
      .filter((e) => e.repository === repository)
      .sort((a, b) => (b.ageDays ?? -1) - (a.ageDays ?? -1));
    const lines = [
      DASHBOARD_MARKER,
      `Kept current by restack; last updated ${generatedAt.toISOString().slice(0, 10)}. Edits are overwritten.`,
      '',
      '## Bases past or near end of life',
      '',
    ];
    if (flagged.length === 0) lines.push('None.');
    else {
      lines.push(
        '| status | Dockerfile | reference | since | products | use instead |',
        '| --- | --- | --- | --- | --- | --- |',
      );
      for (const e of flagged) {
        lines.push(
          `| ${[e.status, `${e.dockerfile}:${e.line}`, e.ref, e.since, describeProducts(e), e.replacement].map(mdCell).join(' | ')} |`,
        );
      }
    }
    lines.push('', '## Image age', '');
    if (images.length === 0) lines.push('No catalog images.');
    else {
      lines.push('| image | age (days) | clock | base drift (days) |', '| --- | --- | --- | --- |');
      for (const e of images)
        lines.push(`| ${[e.image, e.ageDays, e.clock, e.baseDriftDays].map(mdCell).join(' | ')} |`);
    }
    if (deprecated[0]) lines.push('', `End-of-life data of ${deprecated[0].dataDate}.`);
    return { repository, title: DASHBOARD_TITLE, body: lines.join('\n') + '\n' };
  });
}

/** Creates or updates each repository's dashboard; an unchanged body is not written again. */
export async function syncDashboards(
  port: DashboardIssuePort,
  issues: readonly DashboardIssue[],
): Promise<
  Array<{ repository: string; action: 'created' | 'updated' | 'unchanged'; number: number }>
> {
  const out: Array<{
    repository: string;
    action: 'created' | 'updated' | 'unchanged';
    number: number;
  }> = [];
  for (const issue of issues) {
    if (port.handles && !port.handles(issue.repository)) continue;
    const existing = await port.find(issue.repository);
    if (!existing) {
      const { number } = await port.create(issue.repository, issue.title, issue.body);
      out.push({ repository: issue.repository, action: 'created', number });
    } else if (stripDate(existing.body) === stripDate(issue.body)) {
      out.push({ repository: issue.repository, action: 'unchanged', number: existing.number });
    } else {
      await port.update(issue.repository, existing.number, issue.body);
      out.push({ repository: issue.repository, action: 'updated', number: existing.number });
    }
  }
  return out;
}

// The "last updated" line alone is not a change worth a notification.
function stripDate(body: string): string {
  return body.replace(/last updated \d{4}-\d{2}-\d{2}/, '');
}
