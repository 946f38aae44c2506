import { silentLogger, type Logger } from '@restack/core';
import { createGitHubAdapter } from './adapter.js';
import { createGitHubClient } from './client.js';
import type { GitHubPort } from './port.js';
import type { GitHubConfig } from './schema.js';
import { resolveGitHubSettings } from './settings.js';

/**
 * The GitHub port for a config's `github:` section, or undefined without one:
 * the one place the CLI, `restack up` and the graph build a client from config.
 */
export function gitHubPortFromConfig(
  github: GitHubConfig | undefined,
  options: { baseDir: string; logger?: Logger; env?: NodeJS.ProcessEnv },
): GitHubPort | undefined {
  if (!github) return undefined;
  const logger = options.logger ?? silentLogger();
  const settings = resolveGitHubSettings(github, {
    logger,
    baseDir: options.baseDir,
    ...(options.env ? { env: options.env } : {}),
  });
  return createGitHubAdapter(createGitHubClient(settings));
}
