import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RestackError, type Logger } from '@restack/core';
import type { GitHubAuth, GitHubClientSettings } from './client.js';
import type { GitHubConfig } from './schema.js';

export interface ResolveOptions {
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Relative key paths are read from here (the config file's folder). */
  baseDir?: string;
  readFile?: (path: string) => string;
}

/**
 * Turn the `github:` config section into client settings, reading the
 * secrets it names. Errors say which variable or file is missing, never a value.
 */
export function resolveGitHubSettings(
  config: GitHubConfig,
  options: ResolveOptions,
): GitHubClientSettings {
  return {
    baseUrl: config.baseUrl,
    auth: resolveAuth(config.auth, options),
    logger: options.logger,
    retries: config.retries,
    rateLimit: config.rateLimit,
  };
}

function resolveAuth(auth: GitHubConfig['auth'], options: ResolveOptions): GitHubAuth {
  const env = options.env ?? process.env;
  if (auth.type === 'token') {
    const token = env[auth.tokenEnv]?.trim();
    if (!token) {
      throw new RestackError('github.token-missing', `${auth.tokenEnv} is not set`, {
        where: 'github.auth.tokenEnv',
        fix: `export ${auth.tokenEnv} with a GitHub token, or configure github.auth as an app`,
      });
    }
    return { type: 'token', token };
  }
  return {
    type: 'app',
    appId: auth.appId,
    privateKey: readPrivateKey(auth, env, options),
    ...(auth.installationId === undefined ? {} : { installationId: auth.installationId }),
  };
}

function readPrivateKey(
  auth: Extract<GitHubConfig['auth'], { type: 'app' }>,
  env: NodeJS.ProcessEnv,
  options: ResolveOptions,
): string {
  if (auth.privateKeyEnv !== undefined) {
    const pem = env[auth.privateKeyEnv];
    if (!pem) {
      throw new RestackError('github.app-key-missing', `${auth.privateKeyEnv} is not set`, {
        where: 'github.auth.privateKeyEnv',
        fix: `export ${auth.privateKeyEnv} with the app's PEM private key`,
      });
    }
    // Keys passed through env files often arrive with literal \n.
    return pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem;
  }
  const path = resolve(options.baseDir ?? process.cwd(), auth.privateKeyPath ?? '');
  try {
    return (options.readFile ?? ((p: string) => readFileSync(p, 'utf8')))(path);
  } catch (e) {
    throw new RestackError(
      'github.app-key-missing',
      'the GitHub App private key file cannot be read',
      {
        where: path,
        cause: e,
        fix: 'point github.auth.privateKeyPath at the .pem file GitHub generated for the app',
      },
    );
  }
}
