import { RestackError } from '@restack/core';
import type { z } from 'zod';

/**
 * Octokit's RequestError, by shape: the class can exist twice in node_modules,
 * so `instanceof` is not reliable.
 */
interface RequestErrorLike {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

function isRequestError(e: unknown): e is RequestErrorLike {
  return e instanceof Error && typeof (e as Partial<RequestErrorLike>).status === 'number';
}

export function requestStatus(e: unknown): number | undefined {
  return isRequestError(e) ? e.status : undefined;
}

/** GitHub's own words, without the URL and documentation link Octokit appends. */
function gitHubMessage(e: RequestErrorLike): string {
  const data = e.response?.data;
  if (data && typeof data === 'object' && 'message' in data && typeof data.message === 'string') {
    // Validation failures carry the useful part in `errors`.
    const details = 'errors' in data && Array.isArray(data.errors) ? data.errors.map(detail) : [];
    const known = details.filter((d) => d !== '');
    return known.length > 0 ? `${data.message} (${known.join('; ')})` : data.message;
  }
  return e.message.replace(/ - https?:\/\/\S+$/, '');
}

function detail(error: unknown): string {
  if (typeof error === 'string') return error;
  if (!error || typeof error !== 'object') return '';
  const e = error as Record<string, unknown>;
  if (typeof e.message === 'string') return e.message;
  return [e.resource, e.field, e.code].filter((x) => typeof x === 'string').join(' ');
}

function isRateLimited(e: RequestErrorLike): boolean {
  if (e.status === 429) return true;
  const headers = e.response?.headers ?? {};
  return (
    e.status === 403 &&
    (headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(gitHubMessage(e)))
  );
}

function codeFor(e: RequestErrorLike): { code: string; fix: string } {
  if (isRateLimited(e)) {
    return {
      code: 'github.rate-limited',
      fix: 'wait for the limit to reset, or raise github.rateLimit.maxWaitSeconds',
    };
  }
  switch (e.status) {
    case 401:
      return {
        code: 'github.unauthorized',
        fix: 'check the token (or the app id and key) that github.auth points at',
      };
    case 403:
      return {
        code: 'github.forbidden',
        fix: 'give the token or app the permission this call needs',
      };
    case 404:
      return {
        code: 'github.not-found',
        fix: 'check the name, and that the token or app can see the repository',
      };
    case 409:
      return { code: 'github.conflict', fix: 'fetch the current state and try again' };
    case 422:
      return { code: 'github.unprocessable', fix: 'see the message for the field GitHub refused' };
    default:
      return {
        code: e.status >= 500 ? 'github.server-error' : 'github.request-failed',
        fix: 'try again later; check https://www.githubstatus.com',
      };
  }
}

/**
 * A RestackError for a failed GitHub call. The original error is not kept as
 * the cause: it carries request headers, and tokens must not travel further.
 */
export function toGitHubError(e: unknown, where: string): RestackError {
  if (e instanceof RestackError) return e;
  if (isRequestError(e)) {
    const { code, fix } = codeFor(e);
    return new RestackError(code, `GitHub answered ${e.status}: ${gitHubMessage(e)}`, {
      where,
      fix,
    });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new RestackError('github.unreachable', `GitHub could not be reached: ${message}`, {
    where,
    fix: 'check github.baseUrl and the network path to it',
  });
}

/** Parse an answer with its zod schema; a surprise names the call it came from. */
export function parseResponse<T>(schema: z.ZodType<T>, data: unknown, where: string): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  const field = first && first.path.length > 0 ? first.path.join('.') : '(root)';
  throw new RestackError(
    'github.unexpected-response',
    `GitHub's answer does not have the expected shape at ${field}: ${first?.message ?? 'invalid'}`,
    { where, fix: 'check github.baseUrl points at a GitHub REST API (or a compatible one)' },
  );
}
