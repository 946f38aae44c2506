import { RestackError } from '@restack/core';
import { describeStep } from './build-log.js';
import type { EngineEndpoint } from './engine-url.js';
import type { BuildStep } from './port.js';
import { errorBodySchema } from './schema.js';

/** Stable codes of the errors this package throws. */
export const engineErrorCodes = [
  'ENGINE_URL_INVALID',
  'ENGINE_NOT_FOUND',
  'ENGINE_UNREACHABLE',
  'ENGINE_REQUEST_FAILED',
  'ENGINE_CONTEXT_FAILED',
  'ENGINE_BUILD_INVALID',
  'ENGINE_BUILD_FAILED',
  'ENGINE_BUILD_TIMEOUT',
  'ENGINE_BUILD_ABORTED',
  'ENGINE_PUSH_FAILED',
  'ENGINE_PUSH_NO_DIGEST',
  'ENGINE_IMAGE_NOT_FOUND',
] as const;
export type EngineErrorCode = (typeof engineErrorCodes)[number];

const UNREACHABLE_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/** A build that ran and failed: which step, and the last lines of its log. */
export class BuildFailedError extends RestackError {
  readonly step: (BuildStep & { stage?: string }) | null;
  readonly logTail: string[];

  constructor(
    code: 'ENGINE_BUILD_FAILED' | 'ENGINE_BUILD_TIMEOUT' | 'ENGINE_BUILD_ABORTED',
    message: string,
    details: {
      step: (BuildStep & { stage?: string }) | null;
      logTail: string[];
      where: string;
      fix: string;
      cause?: unknown;
    },
  ) {
    const tail = details.logTail.length
      ? `\nlast ${details.logTail.length} lines of the build log:\n${details.logTail.map((l) => `  ${l}`).join('\n')}`
      : '';
    super(code, `${message}${tail}`, details);
    this.name = 'BuildFailedError';
    this.step = details.step;
    this.logTail = details.logTail;
  }
}

export function buildFailed(
  what: string,
  dockerfile: string,
  step: (BuildStep & { stage?: string }) | null,
  error: string,
  logTail: string[],
): BuildFailedError {
  const at = step ? ` at ${describeStep(step)}` : '';
  return new BuildFailedError('ENGINE_BUILD_FAILED', `the build of ${what} failed${at}: ${error}`, {
    step,
    logTail,
    where: step ? `${dockerfile} (STEP ${step.number}/${step.total})` : dockerfile,
    fix: step
      ? `fix step ${step.number} of ${dockerfile} or what it runs; its output is in the log tail`
      : `check ${dockerfile} and its FROM images; the log tail says what the engine did`,
  });
}

/** Turns what dockerode throws (socket errors, non-2xx answers) into a RestackError. */
export function engineError(e: unknown, endpoint: EngineEndpoint, doing: string): RestackError {
  if (e instanceof RestackError) return e;
  const err =
    e instanceof Error
      ? (e as Error & { code?: string; statusCode?: number; json?: unknown })
      : null;
  if (err?.code && UNREACHABLE_CODES.has(err.code)) {
    return new RestackError(
      'ENGINE_UNREACHABLE',
      `cannot reach the container engine at ${endpoint.url} (${err.code}) while ${doing}`,
      {
        where: endpoint.url,
        cause: e,
        fix:
          err.code === 'EACCES'
            ? 'run restack as a user who may use the engine socket (e.g. in the docker group)'
            : 'start Docker or `podman system service --time=0`, or pass --engine with the right address',
      },
    );
  }
  const status = typeof err?.statusCode === 'number' ? err.statusCode : null;
  const body = errorBodySchema.safeParse(err?.json);
  const detail = body.success ? body.data.message : (err?.message ?? String(e));
  return new RestackError(
    status === 404 ? 'ENGINE_IMAGE_NOT_FOUND' : 'ENGINE_REQUEST_FAILED',
    `the container engine at ${endpoint.url} failed while ${doing}${status ? ` (HTTP ${status})` : ''}: ${detail.trim()}`,
    {
      where: endpoint.url,
      cause: e,
      fix:
        status === 404
          ? 'build or pull the image first; check the reference for typos'
          : "see the engine's own log for details; retry once the engine is healthy",
    },
  );
}
