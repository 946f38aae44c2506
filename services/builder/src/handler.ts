import { RestackError, errorMessage } from '@restack/core';
import { BuildFailedError } from '@restack/engine';
import { createEvent, stableEventId, type EventOf, type RestackEvent } from '@restack/events';
import { parseReference } from '@restack/reference';
import { destination } from './destination.js';
import { earlierPush } from './earlier-push.js';
import type { BuilderPorts, Delivery } from './ports.js';

type BuildRequested = EventOf<'restack.build.requested'>;

/** Engine and registry trouble that another attempt may not meet. */
const TRANSIENT = new Set([
  'ENGINE_UNREACHABLE',
  'ENGINE_REQUEST_FAILED',
  'ENGINE_PUSH_FAILED',
  'ENGINE_PUSH_NO_DIGEST',
  'ENGINE_BUILD_TIMEOUT',
  // Fetching the sources from GitHub.
  'github.server-error',
  'github.unreachable',
  'github.rate-limited',
]);

// failureSchema caps the message; keep the start (the step) and the end (the log's last lines).
const MAX_MESSAGE = 4000;

/**
 * restack.build.requested -> restack.build.completed + restack.image.rebuilt,
 * or restack.build.failed. Builds the repository at the requested revision
 * (resolved once to an exact commit) with the base pinned to the campaign's
 * digest, pushes, and records the completion before returning, so a
 * redelivered or repeated request for the same campaign and target sends the
 * same events again (same ids) instead of pushing a second build. Transient
 * engine or registry failures throw (the bus retries) until the last attempt.
 */
export async function handleBuildRequested(
  event: BuildRequested,
  ports: BuilderPorts,
  delivery: Delivery,
): Promise<RestackEvent[]> {
  const d = event.data;
  const log = delivery.log.child({ targetId: d.targetId, image: d.image });
  const done = await ports.records.get(d.campaignId, d.targetId);
  if (done) {
    log.info({ digest: done.digest }, 'already built; sending its events again');
    return done.events;
  }
  try {
    if (d.platforms.length > 1) {
      throw new RestackError(
        'BUILDER_PLATFORMS',
        `${d.platforms.length} platforms were asked for; the builder builds one`,
        {
          where: d.targetId,
          fix: 'request one build per platform, or let the repository CI build multi-platform images',
        },
      );
    }
    const source = await ports.sources.open({
      repository: d.repository,
      revision: d.revision,
      context: d.context,
      dockerfile: d.dockerfile,
    });
    const settings = ports.settings(d.image, d.tags);
    const platform = d.platform ?? d.platforms[0] ?? settings.platform;
    const target = d.target ?? settings.target;
    const pins = (d.pins ?? [{ ref: d.baseRef, digest: d.baseDigest }]).map((p) => {
      const parsed = parseReference(p.ref);
      if (!parsed.ok) {
        throw new RestackError(
          'BUILDER_BASE_INVALID',
          `the base "${p.ref}" is not an image reference: ${parsed.error}`,
          { where: d.pins ? 'pins' : 'baseRef' },
        );
      }
      return { ref: { ...parsed.ref, digest: null }, digest: p.digest };
    });
    const to = destination(d, settings.promote, source.revision);
    const tags = to.tags.map((tag) => `${to.image}:${tag}`);
    // A redelivery may follow a crash between the push and the done-record: never push twice.
    const earlier =
      delivery.attempt > 1
        ? await earlierPush(
            ports,
            tags[0]!,
            { ref: d.baseRef, digest: d.baseDigest, pinned: pins.map((p) => p.digest) },
            source.revision,
            log,
          )
        : null;
    // What the production tag pointed at before this build: the image the rebuild replaces.
    const previousDigest = earlier
      ? undefined
      : await ports.previousDigest(`${d.image}:${d.tags[0]!}`);
    const result =
      earlier ??
      (await ports.build({
        file: `${d.repository}/${d.dockerfile}`,
        dockerfile: source.dockerfile,
        dockerfileText: source.dockerfileText,
        context: () => source.context(),
        tags,
        buildArgs: d.buildArgs ?? settings.buildArgs,
        ...(target ? { target } : {}),
        ...(platform ? { platform } : {}),
        pins,
        source: source.source,
        revision: source.revision,
        created: ports.clock(),
        logger: log,
        ...(delivery.signal ? { signal: delivery.signal } : {}),
      }));
    for (const s of result.skipped)
      log.warn({ line: s.line, reason: s.message }, 'base not pinned');
    const digest = result.digest!;
    const events = [
      createEvent(
        'restack.build.completed',
        {
          campaignId: d.campaignId,
          targetId: d.targetId,
          image: to.image,
          tags: to.tags,
          digest,
          ...(to.promotion ? { promotion: to.promotion } : {}),
        },
        { id: stableEventId('restack.build.completed', d.campaignId, d.targetId), causedBy: event },
      ),
      createEvent(
        'restack.image.rebuilt',
        {
          image: to.image,
          tags: to.tags,
          digest,
          baseRef: result.base?.ref ?? d.baseRef,
          baseDigest: result.base?.digest ?? d.baseDigest,
          dockerfile: d.dockerfile,
          campaignId: d.campaignId,
          ...(previousDigest === undefined ? {} : { previousDigest }),
          revision: source.revision,
          ...(to.promotion ? { promotion: to.promotion } : {}),
        },
        { id: stableEventId('restack.image.rebuilt', d.campaignId, d.targetId), causedBy: event },
      ),
    ];
    await ports.records.put({
      campaignId: d.campaignId,
      targetId: d.targetId,
      digest,
      revision: source.revision,
      builtAt: ports.clock().toISOString(),
      events,
    });
    if (to.promotion) log.info({ digest, staging: tags[0] }, 'build staged; waiting for promotion');
    else log.info({ digest, revision: source.revision }, 'build pushed');
    return events;
  } catch (e) {
    const retryable = isTransient(e);
    if (retryable && delivery.attempt < delivery.maxAttempts) throw e;
    log.error({ error: errorMessage(e), retryable }, 'build failed');
    return [
      createEvent(
        'restack.build.failed',
        {
          campaignId: d.campaignId,
          targetId: d.targetId,
          image: d.image,
          failure: {
            message: clip(errorMessage(e)),
            ...(e instanceof RestackError ? { code: e.code } : {}),
            retryable,
          },
        },
        // One failure per request: a redelivery of it sends the same event.
        { id: stableEventId('restack.build.failed', event.id), causedBy: event },
      ),
    ];
  }
}

/** A failed FROM step is a pull that failed, which the next attempt may not meet. */
function isTransient(e: unknown): boolean {
  if (e instanceof BuildFailedError && e.code === 'ENGINE_BUILD_FAILED') {
    return /^FROM\b/i.test(e.step?.instruction ?? '');
  }
  return !(e instanceof RestackError) || TRANSIENT.has(e.code);
}

function clip(text: string): string {
  if (text.length <= MAX_MESSAGE) return text;
  const half = Math.floor((MAX_MESSAGE - 20) / 2);
  return `${text.slice(0, half)}\n[... cut ...]\n${text.slice(-half)}`;
}
