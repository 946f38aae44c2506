import { RestackError } from '@restack/core';
import { DASHBOARD_MARKER, DASHBOARD_TITLE, type DashboardIssuePort } from '@restack/lifecycle';

interface RepoRef {
  owner: string;
  repo: string;
}

/**
 * The issue operations dashboards need; @restack/github's `GitHubPort`
 * has them (typed structurally: no GitHub dependency here).
 */
export interface IssueTracker {
  listIssues(
    repo: RepoRef,
    filter?: { state?: 'open' | 'closed' | 'all'; labels?: string[] },
  ): Promise<Array<{ number: number; title: string; body: string }>>;
  createIssue(
    repo: RepoRef,
    issue: { title: string; body: string; labels?: string[] },
  ): Promise<{ number: number }>;
  updateIssue(repo: RepoRef, number: number, update: { body?: string }): Promise<unknown>;
}

const OWNER_REPO = /^([\w.-]+)\/([\w.-]+)$/;

/**
 * Dashboards as GitHub issues: one open issue per `owner/name` repository,
 * found by DASHBOARD_MARKER in its body (so a renamed title is still
 * found), else by DASHBOARD_TITLE; created with `labels` and looked
 * up by them first.
 */
export function issueDashboards(
  tracker: IssueTracker,
  options: { labels?: readonly string[] } = {},
): DashboardIssuePort {
  const labels = [...(options.labels ?? [])];
  const ref = (repository: string): RepoRef => {
    const m = OWNER_REPO.exec(repository);
    if (!m) {
      throw new RestackError(
        'lifecycle.dashboard-repository',
        `"${repository}" is not owner/name`,
        {
          where: 'dashboard issues',
          fix: 'dashboards are kept for repositories of git or GitHub sources only',
        },
      );
    }
    return { owner: m[1]!, repo: m[2]! };
  };
  return {
    handles: (repository) => OWNER_REPO.test(repository) && !repository.startsWith('local/'),
    async find(repository) {
      const pick = (open: Array<{ number: number; title: string; body: string }>) =>
        open.find((i) => i.body.includes(DASHBOARD_MARKER)) ??
        open.find((i) => i.title === DASHBOARD_TITLE);
      // By label first (one short page in a busy repository), then every open issue,
      // so that an issue someone took the label off is still found, not duplicated.
      const found =
        (labels.length
          ? pick(await tracker.listIssues(ref(repository), { state: 'open', labels }))
          : undefined) ?? pick(await tracker.listIssues(ref(repository), { state: 'open' }));
      return found ? { number: found.number, body: found.body } : null;
    },
    async create(repository, title, body) {
      const { number } = await tracker.createIssue(ref(repository), {
        title,
        body,
        ...(labels.length ? { labels } : {}),
      });
      return { number };
    },
    async update(repository, number, body) {
      await tracker.updateIssue(ref(repository), number, { body });
    },
  };
}

/** `lifecycle.dashboardIssues` of restack.yaml. */
export interface DashboardIssueSettings {
  enabled?: boolean;
  labels?: readonly string[];
}

/**
 * The dashboard port `restack up` gives the lifecycle service: issues through
 * GitHub when a `github:` section exists and `lifecycle.dashboardIssues.enabled`
 * is true; otherwise none (reports only). `lifecycle` is read structurally, so
 * this works before and after the config schema carries the field.
 */
export function configuredDashboards(
  tracker: IssueTracker | undefined,
  lifecycle: object | undefined,
): DashboardIssuePort | undefined {
  const settings =
    lifecycle && 'dashboardIssues' in lifecycle
      ? (lifecycle.dashboardIssues as DashboardIssueSettings | undefined)
      : undefined;
  if (!tracker || settings?.enabled !== true) return undefined;
  return issueDashboards(tracker, settings.labels ? { labels: settings.labels } : {});
}
