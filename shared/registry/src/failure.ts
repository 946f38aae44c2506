import { RestackError } from '@restack/core';

/**
 * Every way a registry call can fail. `missing` alone means the registry
 * answered that the tag, manifest or repository does not exist; everything
 * else is "could not find out" and must never be read as a digest change
 * (ARCHITECTURE.md invariant 1).
 */
export const failureKinds = [
  'missing',
  'invalid-reference',
  'unauthorized',
  'denied',
  'rate-limited',
  'timeout',
  'network',
  'server-error',
  'unexpected-status',
  'bad-response',
  'digest-mismatch',
  'no-platform',
  'credentials',
] as const;
export type FailureKind = (typeof failureKinds)[number];

const fixes: Record<FailureKind, string> = {
  missing: 'check the tag and repository name, or push the image',
  'invalid-reference': 'write the reference as name[:tag][@digest], e.g. "debian:bookworm"',
  unauthorized:
    'log in with `docker login <registry>` or add credentials to the Docker config.json restack reads (DOCKER_CONFIG or ~/.docker/config.json)',
  denied: 'the credentials work but lack access to this repository; grant pull (or push) access',
  'rate-limited':
    'wait for the registry to lift the limit, log in for a higher limit, or lower requestsPerSecond for it in restack.yaml',
  timeout: 'check the registry is reachable, or raise timeoutMs for it in restack.yaml',
  network:
    'check the registry host and port; for a plain-http registry set `insecure: true` for it under `registries:` in restack.yaml',
  'server-error': 'the registry is failing; retry later',
  'unexpected-status': 'check the registry speaks the OCI distribution API v2 at this host',
  'bad-response':
    'the registry sent something restack cannot read; check it speaks the OCI distribution API v2',
  'digest-mismatch':
    'the content did not hash to its digest; do not trust this registry or proxy until fixed',
  'no-platform': 'ask for a platform the image index lists',
  credentials: 'fix the Docker config.json or the credential helper it names',
};

export interface FailureDetails {
  registry: string;
  /** The reference or repository the call was about. */
  subject: string;
  status?: number | null;
  cause?: unknown;
}

/** A registry failure; thrown inside the package, returned as a value at its edge. */
export class RegistryError extends RestackError {
  readonly kind: FailureKind;
  readonly registry: string;
  readonly status: number | null;

  constructor(kind: FailureKind, message: string, details: FailureDetails) {
    super(`REGISTRY_${kind.toUpperCase().replaceAll('-', '_')}`, message, {
      where: details.subject,
      fix: fixes[kind],
      cause: details.cause,
    });
    this.name = 'RegistryError';
    this.kind = kind;
    this.registry = details.registry;
    this.status = details.status ?? null;
  }
}

export interface RegistryFailure {
  readonly kind: FailureKind;
  /** One sentence naming the registry and the reference. */
  readonly reason: string;
  readonly status: number | null;
  readonly error: RegistryError;
}

/** The outcome of every public client call: a value or a failure, never a throw. */
export type RegistryResult<T> =
  { readonly ok: true; readonly value: T } | ({ readonly ok: false } & RegistryFailure);

export function success<T>(value: T): RegistryResult<T> {
  return { ok: true, value };
}

/** Turns anything thrown into a failure; unknown errors become `bad-response`. */
export function failure<T>(e: unknown, registry: string, subject: string): RegistryResult<T> {
  const error =
    e instanceof RegistryError
      ? e
      : new RegistryError(
          'bad-response',
          `restack could not handle the answer of registry ${registry} for ${subject}: ${e instanceof Error ? e.message : String(e)}`,
          { registry, subject, cause: e },
        );
  return { ok: false, kind: error.kind, reason: error.message, status: error.status, error };
}
