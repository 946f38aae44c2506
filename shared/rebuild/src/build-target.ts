import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Edit } from '@restack/bump';
import { silentLogger, type Logger } from '@restack/core';
import { buildAndPush, ociLabels, type ImageDetails, type ImageEngine } from '@restack/engine';
import { formatReference, parseReference } from '@restack/reference';
import { buildRegistryAuth, type EngineCredentials } from './credentials.js';
import { baseName, basePin, finalBase, pinDockerfile, type Pin } from './pin.js';

export interface TargetBuildDeps {
  engine: ImageEngine;
  credentials?: EngineCredentials;
}

export interface TargetBuildRequest {
  /** The Dockerfile as people know it (config-relative path), for messages. */
  file: string;
  /** Its path inside the build context. */
  dockerfile: string;
  /** Its text at the revision built; the pinned copy of it is what gets built. */
  dockerfileText: string;
  /** Opens the build context (a tar stream); called once. */
  context: () => Promise<Readable>;
  /** Full references to push, `registry/app:tag`; none: build only, to prove it builds, then remove it. */
  tags: string[];
  buildArgs?: Record<string, string>;
  target?: string;
  platform?: string;
  /** Images the build must use at exactly these digests. */
  pins: Pin[];
  /** The repository URL and commit built, for the OCI labels. */
  source?: string | null;
  revision?: string | null;
  created: Date;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface TargetBuildResult {
  /** The pushed manifest digest; null for a build that was not pushed. */
  digest: string | null;
  imageId: string;
  tags: string[];
  /** The pin the built stage stands on (what verification checks); null when none applies. */
  base: { ref: string; digest: string } | null;
  /** What the base labels say: the built stage's base as pinned. */
  labels: Record<string, string>;
  edits: Edit[];
  /** References matching a pin that could not be pinned: the build may ignore the new base. */
  skipped: Array<{ line: number; message: string }>;
  /** For a build that was not pushed: what the engine holds (layers, labels), read before removing it. */
  local: ImageDetails | null;
}

/**
 * One target of a campaign: pins its Dockerfile to the campaign's digests,
 * builds it with the OCI provenance labels, pushes every tag (or, with no
 * tags, builds it under a throw-away local tag) and removes the local image.
 */
export async function buildTarget(
  deps: TargetBuildDeps,
  request: TargetBuildRequest,
): Promise<TargetBuildResult> {
  const log = (request.logger ?? silentLogger()).child({ dockerfile: request.file });
  const buildArgs = request.buildArgs ?? {};
  const pinned = pinDockerfile(request.dockerfileText, request.file, request.pins, buildArgs);
  for (const s of pinned.skipped) {
    log.warn(
      { line: s.line, reason: s.message },
      'reference not pinned; the build may not use the new base',
    );
  }
  const builtOn = finalBase(pinned.text, request.file, { buildArgs, target: request.target });
  const pin = basePin(builtOn, request.pins);
  const labels = ociLabels({
    ...(builtOn ? { baseName: baseName(builtOn) } : {}),
    ...(builtOn?.digest ? { baseDigest: builtOn.digest } : {}),
    ...(request.source ? { source: request.source } : {}),
    ...(request.revision ? { revision: request.revision } : {}),
    created: request.created,
  });
  const push = request.tags.length > 0;
  const tags = push
    ? request.tags
    : [`localhost/restack-check/build:${randomBytes(6).toString('hex')}`];
  const pushDomain = push ? domainOf(tags[0]!) : null;
  const pulls = request.pins.map((p) => p.ref.domain);
  const registryAuth = await buildRegistryAuth(deps.credentials, [
    ...pulls,
    ...(pushDomain ? [pushDomain] : []),
  ]);
  const common = {
    dockerfile: request.dockerfile,
    dockerfileContent: pinned.text,
    buildArgs,
    labels,
    tags,
    logger: log,
    ...(request.target ? { target: request.target } : {}),
    ...(request.platform ? { platform: request.platform } : {}),
    ...(registryAuth ? { registryAuth } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  };
  const base = pin
    ? { ref: formatReference({ ...pin.ref, digest: null }), digest: pin.digest }
    : null;
  const result = {
    tags: push ? tags : [],
    base,
    labels,
    edits: pinned.edits,
    skipped: pinned.skipped,
  };

  if (push) {
    const credentials =
      pushDomain && deps.credentials ? await deps.credentials(pushDomain) : undefined;
    const built = await buildAndPush(
      deps.engine,
      { ...common, context: await request.context(), ...(credentials ? { credentials } : {}) },
      log,
    );
    return { ...result, digest: built.digest, imageId: built.imageId, local: null };
  }
  const built = await deps.engine.build({ ...common, context: await request.context() });
  try {
    const local = await deps.engine.inspect(built.imageId);
    return { ...result, digest: null, imageId: built.imageId, local };
  } finally {
    await deps.engine.remove(tags[0]!).catch((e: unknown) => {
      log.warn(
        { image: tags[0], error: e instanceof Error ? e.message : String(e) },
        'local image clean-up failed',
      );
    });
  }
}

function domainOf(reference: string): string | null {
  const parsed = parseReference(reference);
  return parsed.ok ? parsed.ref.domain : null;
}
