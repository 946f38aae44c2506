import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@restack/core';
import {
  createGitHubAdapter,
  createGitHubClient,
  type GitHubAdapterOptions,
  type GitHubAuth,
  type GitHubClient,
  type GitHubPort,
  type GitHubRateLimitSettings,
} from '@restack/github';
import type { GitHubTestServer } from './server.js';

/** What the adapter logged, as raw JSON lines, so tests can look for leaks. */
export interface CapturedLog {
  logger: Logger;
  lines(): string[];
}

export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines: () => [...lines] };
}

export interface AdapterSetup {
  auth: GitHubAuth;
  log?: CapturedLog;
  retries?: number;
  rateLimit?: GitHubRateLimitSettings;
  adapter?: GitHubAdapterOptions;
}

/**
 * The production adapter pointed at the test server. Only the pacing GitHub
 * asks of real clients (a second between writes) is turned off.
 */
export function adapterFor(server: GitHubTestServer, setup: AdapterSetup): GitHubPort {
  return createGitHubAdapter(clientFor(server, setup), setup.adapter);
}

export function clientFor(server: GitHubTestServer, setup: AdapterSetup): GitHubClient {
  return createGitHubClient({
    baseUrl: server.url,
    auth: setup.auth,
    logger: (setup.log ?? captureLog()).logger,
    retries: setup.retries ?? 3,
    rateLimit: { ...setup.rateLimit, writeIntervalMs: 0, notificationIntervalMs: 0 },
  });
}

/** A personal-token adapter for `login`. */
export function tokenAdapter(server: GitHubTestServer, login = 'restack-bot', log?: CapturedLog) {
  const token = server.control.createUserToken({ login });
  return {
    token,
    github: adapterFor(server, { auth: { type: 'token', token }, ...(log ? { log } : {}) }),
  };
}
