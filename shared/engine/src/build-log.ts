import type { Logger } from '@restack/core';
import type { StreamItem } from './json-stream.js';
import type { BuildStep } from './port.js';

/**
 * Step headers: podman/buildah prints `STEP 3/5: RUN make` (with `[1/2] `
 * before it in multi-stage builds); Docker's classic builder `Step 3/5 : RUN make`.
 */
const STEP_PATTERN = /^(?:\[(\d+)\/(\d+)\] )?(?:STEP|Step) (\d+)\/(\d+) ?: (.*)$/;

export const DEFAULT_TAIL_LINES = 20;

export function parseStepLine(line: string): (BuildStep & { stage?: string }) | null {
  const m = STEP_PATTERN.exec(line);
  if (!m) return null;
  const step: BuildStep & { stage?: string } = {
    number: Number(m[3]),
    total: Number(m[4]),
    instruction: (m[5] ?? '').trim(),
  };
  if (m[1] !== undefined) step.stage = `${m[1]}/${m[2]}`;
  return step;
}

/** `STEP 3/5: RUN false` (or `stage 1/2, STEP 3/5: ...`), as people read it in the log. */
export function describeStep(step: BuildStep & { stage?: string }): string {
  const stage = step.stage ? `stage ${step.stage}, ` : '';
  return `${stage}STEP ${step.number}/${step.total}: ${step.instruction}`;
}

export interface BuildLog {
  accept(item: StreamItem): void;
  /** Flushes a last line that had no newline. */
  finish(): void;
  /** The last step the engine started. */
  step(): (BuildStep & { stage?: string }) | null;
  /** The image id the engine reported (`aux.ID`). */
  imageId(): string | null;
  /** The first error the engine reported. */
  error(): string | null;
  /** The last lines of output, errors included. */
  tail(): string[];
}

export interface BuildLogOptions {
  tailLines?: number;
  /** Values blanked out of every line, e.g. secret build arguments. */
  mask?: string[];
}

/**
 * Follows a build's output: logs each line as `{step, line}` (debug for pull
 * progress), remembers the current step, the last lines and the error.
 */
export function createBuildLog(logger: Logger, options: BuildLogOptions = {}): BuildLog {
  const tailLines = options.tailLines ?? DEFAULT_TAIL_LINES;
  const masked = (options.mask ?? []).filter((value) => value.length > 0);
  const lines: string[] = [];
  let partial = '';
  let current: (BuildStep & { stage?: string }) | null = null;
  let id: string | null = null;
  let failure: string | null = null;

  // A RUN step can echo a secret build argument; it is blanked before anyone sees it.
  function clean(text: string): string {
    return masked.reduce((out, value) => out.split(value).join('[redacted]'), text);
  }

  function remember(line: string): void {
    lines.push(line);
    if (lines.length > tailLines) lines.shift();
  }

  function emit(raw: string): void {
    const line = clean(raw.replace(/\r$/, ''));
    if (line.trim() === '') return;
    const step = parseStepLine(line);
    if (step) current = step;
    remember(line);
    logger.info(
      { step: current?.number ?? null, of: current?.total ?? null, line },
      'build output',
    );
  }

  function write(text: string): void {
    partial += text;
    let newline = partial.indexOf('\n');
    while (newline !== -1) {
      emit(partial.slice(0, newline));
      partial = partial.slice(newline + 1);
      newline = partial.indexOf('\n');
    }
  }

  return {
    accept(item) {
      if ('unparsed' in item) {
        const line = clean(item.unparsed);
        logger.warn({ line }, 'engine sent a line that is not a JSON message');
        remember(line);
        return;
      }
      const m = item.message;
      if (m.stream !== undefined) write(m.stream);
      if (m.status !== undefined) {
        // Pull progress from Docker's classic builder: useful when debugging, noisy otherwise.
        logger.debug({ status: m.status, id: m.id, progress: m.progress }, 'build status');
      }
      if (m.aux?.ID) id = m.aux.ID;
      const error = m.errorDetail?.message ?? m.error;
      if (error !== undefined) {
        const text = clean(error.trim());
        failure ??= text;
        remember(text);
        logger.error(
          { step: current?.number ?? null, of: current?.total ?? null, error: text },
          'build error',
        );
      }
    },
    finish() {
      if (partial !== '') emit(partial);
      partial = '';
    },
    step: () => current,
    imageId: () => id,
    error: () => failure,
    tail: () => [...lines],
  };
}
