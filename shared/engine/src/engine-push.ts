import { addAbortSignal, type Readable } from 'node:stream';
import { RestackError, type Logger } from '@restack/core';
import type Dockerode from 'dockerode';
import { authConfig } from './credentials.js';
import { engineError } from './engine-errors.js';
import type { EngineEndpoint } from './engine-url.js';
import { jsonMessages } from './json-stream.js';
import type { PushRequest, PushResult } from './port.js';
import { tagTarget } from './target.js';

export interface PushDeps {
  docker: Dockerode;
  endpoint: EngineEndpoint;
  logger: Logger;
  pushTimeoutMs: number;
  resolveDigest?: (reference: string) => Promise<string | null>;
}

// Docker and podman both end a push with `<tag>: digest: sha256:... size: N`.
const DIGEST_STATUS = /digest: (sha256:[0-9a-f]{64})/;

/**
 * `POST /images/{name}/push`. The digest comes from the stream (Docker's
 * `aux.Digest`, else the status line both engines print), else from the
 * registry. The engine's local RepoDigests are not used: podman computes
 * them before converting the image for the registry, so they can differ.
 */
export async function runPush(deps: PushDeps, request: PushRequest): Promise<PushResult> {
  const target = tagTarget(request.reference, 'push request');
  const logger = deps.logger.child({ image: request.reference });
  const signal = AbortSignal.any([
    AbortSignal.timeout(deps.pushTimeoutMs),
    ...(request.signal ? [request.signal] : []),
  ]);
  // An empty AuthConfig still goes out: Docker refuses a push without the header.
  const auth = request.credentials
    ? authConfig(request.credentials, target.serverAddress)
    : { serveraddress: target.serverAddress };
  logger.info({ authenticated: request.credentials !== undefined }, 'push started');
  let digest: string | null = null;
  let failure: string | null = null;
  try {
    const stream = (await deps.docker
      .getImage(target.repository)
      .push({ tag: target.tag, authconfig: auth, abortSignal: signal })) as Readable;
    addAbortSignal(signal, stream);
    for await (const item of jsonMessages(stream)) {
      if ('unparsed' in item) continue;
      const m = item.message;
      const error = m.errorDetail?.message ?? m.error;
      if (error !== undefined) failure ??= error.trim();
      if (m.aux?.Digest) digest = m.aux.Digest;
      const fromStatus = m.status ? DIGEST_STATUS.exec(m.status)?.[1] : undefined;
      if (fromStatus) digest ??= fromStatus;
      if (m.status) logger.debug({ status: m.status, id: m.id }, 'push status');
    }
  } catch (e) {
    if (signal.aborted && !request.signal?.aborted) {
      throw new RestackError(
        'ENGINE_PUSH_FAILED',
        `the push of ${request.reference} did not finish in time`,
        {
          where: request.reference,
          cause: e,
          fix: 'check that the registry is reachable and healthy, or raise the push timeout',
        },
      );
    }
    throw engineError(e, deps.endpoint, `pushing ${request.reference}`);
  }
  if (failure !== null) {
    throw new RestackError(
      'ENGINE_PUSH_FAILED',
      `the push of ${request.reference} failed: ${failure}`,
      {
        where: request.reference,
        fix: /unauthorized|authentication|denied|401|403/i.test(failure)
          ? 'check the registry credentials and that they may push to this repository'
          : 'check that the registry is reachable from the engine (and marked insecure there if it is plain http)',
      },
    );
  }
  if (digest === null && deps.resolveDigest) digest = await deps.resolveDigest(request.reference);
  if (digest === null) {
    throw new RestackError(
      'ENGINE_PUSH_NO_DIGEST',
      `the engine pushed ${request.reference} but did not say its digest`,
      {
        where: request.reference,
        fix: 'give the engine a resolveDigest function that asks the registry (HEAD of the manifest)',
      },
    );
  }
  logger.info({ digest }, 'push finished');
  return { reference: request.reference, digest };
}
