/** Statuses worth another try: the registry is busy or briefly broken. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

const BASE_DELAY_MS = 200;
const MAX_DELAY_MS = 5_000;

/**
 * Exponential backoff with jitter: attempt 0 waits 100-200 ms, attempt 1
 * 200-400 ms, ... capped at 5 s, so that retries from many lookups spread out.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 section 10.2.3).
 * Returns milliseconds from `now`, or null when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/**
 * Docker Hub's `ratelimit-remaining: 0;w=21600` (count, then the window in
 * seconds), also sent by other registries following the IETF RateLimit
 * header draft. Returns the remaining count and window, or null.
 * https://docs.docker.com/docker-hub/usage/pulls/#view-pull-rate-and-limit
 */
export function parseRateLimitRemaining(
  value: string | undefined,
): { remaining: number; windowSeconds: number | null } | null {
  if (value === undefined) return null;
  const [count, ...params] = value.split(';').map((p) => p.trim());
  if (count === undefined || !/^\d+$/.test(count)) return null;
  const w = params.find((p) => p.startsWith('w='))?.slice(2);
  return {
    remaining: Number(count),
    windowSeconds: w !== undefined && /^\d+$/.test(w) ? Number(w) : null,
  };
}

/** Network errors that a retry cannot fix: TLS and certificate problems. */
export function isPermanentNetworkError(code: string | undefined): boolean {
  if (code === undefined) return false;
  return (
    code === 'EPROTO' ||
    code.startsWith('ERR_SSL') ||
    code.startsWith('ERR_TLS') ||
    code.includes('CERT') ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
