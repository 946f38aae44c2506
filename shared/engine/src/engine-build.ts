import { addAbortSignal, type Readable } from 'node:stream';
import { RestackError, type Logger } from '@restack/core';
import type Dockerode from 'dockerode';
import { createBuildLog, type BuildLog } from './build-log.js';
import { replaceFile } from './context.js';
import { registryConfig, secretValues } from './credentials.js';
import { BuildFailedError, buildFailed, engineError } from './engine-errors.js';
import type { EngineEndpoint } from './engine-url.js';
import { jsonMessages } from './json-stream.js';
import type { BuildRequest, BuildResult } from './port.js';
import { imageInspectSchema } from './schema.js';
import { tagTarget } from './target.js';

export interface BuildDeps {
  docker: Dockerode;
  endpoint: EngineEndpoint;
  logger: Logger;
  buildTimeoutMs: number;
}

/** Why a build's request ended early; checked in this order. */
interface Stops {
  timeout: AbortSignal;
  timeoutMs: number;
  caller: AbortSignal | undefined;
  context: AbortController;
}

/**
 * One build through `POST /build` (the classic builder, which podman's
 * compatible API implements too): streams the context, logs every line and
 * turns a failure into an error naming the step and the log's tail.
 */
export async function runBuild(deps: BuildDeps, request: BuildRequest): Promise<BuildResult> {
  const [first, ...others] = request.tags;
  if (first === undefined) {
    throw new RestackError('ENGINE_BUILD_INVALID', 'a build needs at least one tag', {
      where: 'build request',
      fix: 'pass tags: ["registry.example/team/app:tag"]',
    });
  }
  const targets = request.tags.map((tag) => tagTarget(tag, 'build request tags'));
  const dockerfile = request.dockerfile ?? 'Dockerfile';
  const logger = (request.logger ?? deps.logger).child({ image: first });
  const timeoutMs = request.timeoutMs ?? deps.buildTimeoutMs;
  const stops: Stops = {
    timeout: AbortSignal.timeout(timeoutMs),
    timeoutMs,
    caller: request.signal,
    context: new AbortController(),
  };
  const signal = AbortSignal.any([
    stops.timeout,
    stops.context.signal,
    ...(stops.caller ? [stops.caller] : []),
  ]);
  const context: Readable =
    request.dockerfileContent === undefined
      ? request.context
      : replaceFile(request.context, dockerfile, request.dockerfileContent);
  // A context that fails (git archive, a missing folder) ends the request with its own error.
  context.once('error', (e) => stops.context.abort(e));

  const log = createBuildLog(logger, { mask: secretValues(request.buildArgs) });
  logger.info(
    {
      dockerfile,
      tags: request.tags,
      target: request.target,
      platform: request.platform,
      buildArgs: Object.keys(request.buildArgs ?? {}),
      labels: request.labels,
    },
    'build started',
  );
  try {
    const stream = await deps.docker.buildImage(context, {
      dockerfile,
      t: first,
      pull: request.pull ?? true,
      nocache: request.noCache ?? false,
      rm: true,
      forcerm: true,
      ...(request.target ? { target: request.target } : {}),
      ...(request.platform ? { platform: request.platform } : {}),
      ...(request.buildArgs ? { buildargs: request.buildArgs } : {}),
      ...(request.labels ? { labels: request.labels } : {}),
      ...(request.registryAuth ? { registryconfig: registryConfig(request.registryAuth) } : {}),
      abortSignal: signal,
    });
    addAbortSignal(signal, stream as Readable);
    for await (const item of jsonMessages(stream as Readable)) log.accept(item);
  } catch (e) {
    log.finish();
    throw stopped(deps, stops, log, first, dockerfile, e);
  } finally {
    if (!context.readableEnded) context.destroy();
  }
  log.finish();
  const error = log.error();
  if (error !== null) throw buildFailed(first, dockerfile, log.step(), error, log.tail());

  const imageId = log.imageId() ?? (await imageIdOf(deps, first));
  for (const target of targets.slice(1)) {
    try {
      await deps.docker.getImage(imageId).tag({ repo: target.repository, tag: target.tag });
    } catch (e) {
      throw engineError(
        e,
        deps.endpoint,
        `tagging ${imageId} as ${target.repository}:${target.tag}`,
      );
    }
  }
  const step = log.step();
  logger.info({ imageId, tags: [first, ...others] }, 'build finished');
  return { imageId, tags: request.tags, steps: step ? step.total : null };
}

function stopped(
  deps: BuildDeps,
  stops: Stops,
  log: BuildLog,
  what: string,
  dockerfile: string,
  e: unknown,
): Error {
  const step = log.step();
  const where = step ? `${dockerfile} (STEP ${step.number}/${step.total})` : dockerfile;
  if (stops.context.signal.aborted) {
    return engineError(
      stops.context.signal.reason,
      deps.endpoint,
      `sending the build context of ${what}`,
    );
  }
  if (stops.timeout.aborted) {
    const seconds = Math.round(stops.timeoutMs / 1000);
    return new BuildFailedError(
      'ENGINE_BUILD_TIMEOUT',
      `the build of ${what} did not finish in time${step ? ` (it was at STEP ${step.number}/${step.total}: ${step.instruction})` : ''}`,
      {
        step,
        logTail: log.tail(),
        where,
        cause: e,
        fix: `make the build faster, or raise the build timeout (now ${seconds} s)`,
      },
    );
  }
  if (stops.caller?.aborted) {
    return new BuildFailedError('ENGINE_BUILD_ABORTED', `the build of ${what} was cancelled`, {
      step,
      logTail: log.tail(),
      where,
      cause: e,
      fix: 'nothing to fix: the build was cancelled on purpose; run it again when wanted',
    });
  }
  return engineError(e, deps.endpoint, `building ${what}`);
}

async function imageIdOf(deps: BuildDeps, reference: string): Promise<string> {
  try {
    const parsed = imageInspectSchema.parse(await deps.docker.getImage(reference).inspect());
    return parsed.Id;
  } catch (e) {
    throw engineError(e, deps.endpoint, `looking up the image just built as ${reference}`);
  }
}
