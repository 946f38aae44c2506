import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck';
import type { Logger } from '@restack/core';
import { appAuthStrategy, createAppTokenSource, type AppCredentials } from './app-auth.js';

/** The one Octokit class restack uses (STYLE.md 8). */
const RestackOctokit: typeof Octokit = Octokit.plugin(retry, throttling);
export type GitHubOctokit = Octokit;

export type GitHubAuth = { type: 'token'; token: string } | ({ type: 'app' } & AppCredentials);

export interface GitHubRateLimitSettings {
  maxRetries?: number;
  maxWaitSeconds?: number;
  writeIntervalMs?: number;
  notificationIntervalMs?: number;
}

export interface GitHubClientSettings {
  /** REST root; `https://HOST/api/v3` for GitHub Enterprise Server. */
  baseUrl?: string;
  auth: GitHubAuth;
  logger: Logger;
  /** Retries after 5xx answers. */
  retries?: number;
  rateLimit?: GitHubRateLimitSettings;
  userAgent?: string;
  /** The clock app tokens are cached against. */
  now?: () => number;
}

export interface GitHubClient {
  readonly baseUrl: string;
  /**
   * The Octokit for one account. With token auth every account shares one;
   * with app auth each account gets its installation's token.
   */
  forOwner(owner: string): GitHubOctokit;
}

// The retry plugin leaves 403/429 to the throttling plugin, and a 409 or 422
// will not change on a second try.
const DO_NOT_RETRY = [400, 401, 403, 404, 409, 410, 422, 429, 451];

export function createGitHubClient(settings: GitHubClientSettings): GitHubClient {
  const baseUrl = (settings.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const log = settings.logger.child({ component: 'github' });
  const limits = {
    maxRetries: settings.rateLimit?.maxRetries ?? 3,
    maxWaitSeconds: settings.rateLimit?.maxWaitSeconds ?? 900,
    writeIntervalMs: settings.rateLimit?.writeIntervalMs ?? 1000,
    notificationIntervalMs: settings.rateLimit?.notificationIntervalMs ?? 3000,
  };
  const auth = settings.auth;
  const tokens = auth.type === 'app' ? createAppTokenSource(auth, settings.now) : undefined;

  function onLimit(kind: 'primary' | 'secondary') {
    return (
      retryAfter: number,
      options: { method?: string; url?: string },
      _o: unknown,
      retryCount: number,
    ) => {
      // options.url is the route template: it never carries a token.
      const fields = { kind, method: options.method, route: options.url, retryAfter, retryCount };
      if (retryCount >= limits.maxRetries || retryAfter > limits.maxWaitSeconds) {
        log.warn(fields, 'github rate limit: giving up');
        return false;
      }
      log.warn(fields, 'github rate limit: waiting before retrying');
      return true;
    };
  }

  function build(owner: string | undefined): GitHubOctokit {
    return new RestackOctokit({
      baseUrl,
      userAgent: settings.userAgent ?? 'restack',
      ...(tokens
        ? { authStrategy: appAuthStrategy, auth: { tokens, owner } }
        : { auth: auth.type === 'token' ? auth.token : undefined }),
      // Only Octokit's message is logged: its second argument can hold request
      // headers, and with them the token. Failed requests reach the caller as
      // RestackErrors, so Octokit's own error lines stay at debug level.
      log: {
        debug: (message: string) => log.debug({ detail: message }, 'github request'),
        info: (message: string) => log.debug({ detail: message }, 'github request'),
        warn: (message: string) => log.warn({ detail: message }, 'github client warning'),
        error: (message: string) => log.debug({ detail: message }, 'github request failed'),
      },
      retry: { retries: settings.retries ?? 3, doNotRetry: DO_NOT_RETRY },
      throttle: {
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
        // Per-client pacing, so GHES without limits (or a test server) can set 0.
        write: new Bottleneck.Group({ maxConcurrent: 1, minTime: limits.writeIntervalMs }),
        notifications: new Bottleneck.Group({
          maxConcurrent: 1,
          minTime: limits.notificationIntervalMs,
        }),
      },
    });
  }

  const shared = tokens ? undefined : build(undefined);
  const perOwner = new Map<string, GitHubOctokit>();
  function forOwner(owner: string): GitHubOctokit {
    if (shared) return shared;
    let octokit = perOwner.get(owner);
    if (!octokit) {
      octokit = build(owner);
      perOwner.set(owner, octokit);
    }
    return octokit;
  }

  return { baseUrl, forOwner };
}
