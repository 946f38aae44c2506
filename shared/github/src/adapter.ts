import { checkAdapter } from './adapter-checks.js';
import { contentAdapter } from './adapter-content.js';
import { issueAdapter } from './adapter-issues.js';
import { pullAdapter } from './adapter-pulls.js';
import type { GitHubClient } from './client.js';
import type { GitHubPort } from './port.js';

export interface GitHubAdapterOptions {
  /** Defaults to true on api.github.com and GHEC (`*.ghe.com`), false on GHES. */
  workflowRunDetails?: boolean;
}

function knowsRunDetails(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname;
  return host === 'api.github.com' || host.endsWith('.ghe.com');
}

/** The Octokit implementation of the GitHub port. */
export function createGitHubAdapter(
  client: GitHubClient,
  options: GitHubAdapterOptions = {},
): GitHubPort {
  const workflowRunDetails = options.workflowRunDetails ?? knowsRunDetails(client.baseUrl);
  return {
    ...contentAdapter(client),
    ...pullAdapter(client),
    ...issueAdapter(client),
    ...checkAdapter(client, { workflowRunDetails }),
  };
}
