import { silentLogger, type Logger } from '@restack/core';
import type { BuildRequest, ImageEngine, PushResult, RegistryCredentials } from './port.js';

export interface BuildAndPushRequest extends BuildRequest {
  /** Credentials for the registry the tags name. */
  credentials?: RegistryCredentials;
  /** Untag the local image once pushed (or once the push failed). Default true. */
  removeAfterPush?: boolean;
}

export interface BuildAndPushResult {
  imageId: string;
  /** The manifest digest of the first tag: what the base label of a child should name. */
  digest: string;
  pushed: PushResult[];
}

/**
 * Builds, pushes every tag, then removes the local tags so a long-running
 * builder does not fill its disk. A failed clean-up is logged, not thrown:
 * the image is in the registry either way.
 */
export async function buildAndPush(
  engine: ImageEngine,
  request: BuildAndPushRequest,
  logger: Logger = silentLogger(),
): Promise<BuildAndPushResult> {
  const built = await engine.build(request);
  const pushed: PushResult[] = [];
  try {
    for (const reference of request.tags) {
      pushed.push(
        await engine.push({ reference, credentials: request.credentials, signal: request.signal }),
      );
    }
  } finally {
    if (request.removeAfterPush ?? true) await removeQuietly(engine, request.tags, logger);
  }
  const first = pushed[0];
  if (first === undefined) throw new Error('unreachable: a build has at least one tag');
  return { imageId: built.imageId, digest: first.digest, pushed };
}

async function removeQuietly(engine: ImageEngine, tags: string[], logger: Logger): Promise<void> {
  for (const tag of tags) {
    try {
      await engine.remove(tag);
    } catch (e) {
      logger.warn(
        { image: tag, error: e instanceof Error ? e.message : String(e) },
        'local image clean-up failed',
      );
    }
  }
}
