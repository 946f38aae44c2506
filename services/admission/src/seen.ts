import type { Bus, TypedKv } from '@restack/bus';
import { encodeKvKey } from '@restack/bus';
import { errorMessage, type Logger } from '@restack/core';
import { formatReference, parseReference } from '@restack/reference';
import { ADMISSION_SEEN_BUCKET, seenImageSchema, type SeenImage } from '@restack/scan';

/** Writes per image at most this often: reviews come in bursts, the rescan runs daily. */
const REFRESH_MS = 60 * 60_000;

export interface SeenRecorder {
  /** Fire and forget: a review never waits for (or fails on) the record. */
  record(image: string): void;
  /** Resolves once every record started so far is written (or has failed). */
  flush(): Promise<void>;
}

/**
 * Records the images the webhook reviews in the scanner's KV bucket, so that
 * the scheduled rescan covers what actually runs. The bucket is the
 * scanner's: until a scanner has declared it, records are dropped (and
 * logged) and opening is tried again on the next one. `bus` may be a
 * connection still being made: the webhook never waits for NATS to start.
 */
export function kvSeenRecorder(
  bus: Bus | (() => Promise<Bus>),
  log: Logger,
  clock: () => Date = () => new Date(),
): SeenRecorder {
  let kv: TypedKv<SeenImage> | null = null;
  const written = new Map<string, number>();
  const pending = new Set<Promise<void>>();
  async function write(image: string, now: Date): Promise<void> {
    kv ??= await (typeof bus === 'function' ? await bus() : bus).kv(
      ADMISSION_SEEN_BUCKET,
      seenImageSchema,
    );
    const at = now.toISOString();
    await kv.mutate(encodeKvKey(image), (current) => ({
      image,
      firstSeenAt: current?.firstSeenAt ?? at,
      lastSeenAt: at,
    }));
  }
  return {
    record(raw) {
      const parsed = parseReference(raw);
      if (!parsed.ok) return;
      const ref = parsed.ref;
      const image = formatReference({ ...ref, tag: ref.tag ?? (ref.digest ? null : 'latest') });
      const now = clock();
      const last = written.get(image);
      if (last !== undefined && now.getTime() - last < REFRESH_MS) return;
      written.set(image, now.getTime());
      const p = write(image, now)
        .catch((e: unknown) => {
          written.delete(image);
          log.warn(
            { image, err: errorMessage(e) },
            'could not record an admitted image for rescans',
          );
        })
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    async flush() {
      await Promise.all([...pending]);
    },
  };
}
