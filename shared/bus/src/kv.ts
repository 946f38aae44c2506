import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { RestackError, errorMessage } from '@restack/core';
import { formatPath } from '@restack/events';
import type { z } from 'zod';
import { sleep } from './backoff.js';
import { whileRecovering } from './recover.js';

export interface KvRecord<T> {
  key: string;
  value: T;
  revision: number;
}

export interface MutateOptions {
  /** Give up after this many revision conflicts. Default 20. */
  maxAttempts?: number;
}

export interface TypedKv<T> {
  readonly bucket: string;
  /** null when the key does not exist or was deleted. */
  get(key: string): Promise<KvRecord<T> | null>;
  put(key: string, value: T): Promise<number>;
  /** Fails with KV_EXISTS when the key already has a value. */
  create(key: string, value: T): Promise<number>;
  /** Fails with KV_CONFLICT when the key moved past `revision` (compare-and-set). */
  update(key: string, value: T, revision: number): Promise<number>;
  /**
   * Reads, applies `fn`, writes with compare-and-set, and retries on a
   * conflict. `fn` returns the new value, or undefined to leave it as it is;
   * it may run several times, so it must not have side effects.
   */
  mutate(
    key: string,
    fn: (current: T | null) => T | undefined,
    options?: MutateOptions,
  ): Promise<KvRecord<T> | null>;
  /** With `revision`, deletes only if nobody wrote since. */
  delete(key: string, revision?: number): Promise<void>;
  keys(filter?: string): Promise<string[]>;
  /**
   * Calls `onChange` for the last value of every key, then for every later
   * write, in revision order; `value()` reads it (null for a delete, throws
   * KV_INVALID_VALUE when it fails its schema), so that a revision the caller
   * already has costs no parsing. Resolves once the values present at the
   * start are delivered.
   */
  watch(onChange: (key: string, revision: number, value: () => T | null) => void): Promise<KvWatch>;
}

export interface KvWatch {
  stop(): void;
}

/** KV keys allow `[-/_=.a-zA-Z0-9]`; image references need `:` and `@`, so escape as `=XX`. */
export function encodeKvKey(raw: string): string {
  return raw.replace(/[^-/_.a-zA-Z0-9]/g, (c) =>
    [...Buffer.from(c, 'utf8')]
      .map((b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}

export function decodeKvKey(key: string): string {
  return key.replace(/(?:=[0-9A-F]{2})+/g, (run) =>
    Buffer.from(run.replaceAll('=', ''), 'hex').toString('utf8'),
  );
}

export function isRevisionConflict(e: unknown): boolean {
  return (
    e instanceof JetStreamApiError &&
    (e.code === JetStreamApiCodes.StreamWrongLastSequence ||
      e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

const utf8 = new TextEncoder();

export function typedKv<T>(kv: KV, bucket: string, schema: z.ZodType<T>): TypedKv<T> {
  function check(key: string, value: unknown, when: 'read' | 'write'): T {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    throw new RestackError(
      'KV_INVALID_VALUE',
      `cannot ${when} ${bucket}/${key}: ${issue?.message ?? 'invalid'}`,
      {
        where: `${bucket}/${key}: ${formatPath(issue?.path ?? [])}`,
        fix:
          when === 'write'
            ? 'fix the value written'
            : 'the stored value predates its schema; migrate or delete it',
      },
    );
  }
  // What this instance wrote lately, so that its own write coming back through
  // a watch is recognised by its bytes and not parsed and checked again.
  const written = new Map<string, { bytes: Uint8Array; value: T }>();
  let watches = 0;
  const encode = (key: string, value: T): Uint8Array => {
    // The checked value (unknown keys stripped) is what a watcher would parse from the bytes.
    const checked = check(key, value, 'write');
    const bytes = utf8.encode(JSON.stringify(checked));
    if (watches === 0) return bytes;
    // A safety net: entries leave as their writes come back (or fail and are overwritten).
    if (written.size >= 1_000) written.clear();
    written.set(key, { bytes, value: checked });
    return bytes;
  };
  /** The value this instance wrote as exactly these bytes, if it did. */
  function ownWrite(key: string, bytes: Uint8Array): T | undefined {
    const w = written.get(key);
    if (!w || !Buffer.from(w.bytes.buffer, w.bytes.byteOffset, w.bytes.byteLength).equals(bytes))
      return undefined;
    written.delete(key);
    return w.value;
  }

  /** A stored value: JSON, checked against the schema. */
  function stored(key: string, entry: { json<U>(): U }): T {
    let raw: unknown;
    try {
      raw = entry.json();
    } catch (cause) {
      throw new RestackError('KV_INVALID_VALUE', `${bucket}/${key} is not JSON`, {
        cause,
        where: `${bucket}/${key}`,
      });
    }
    return check(key, raw, 'read');
  }

  async function get(key: string): Promise<KvRecord<T> | null> {
    const entry = await kv.get(key);
    if (!entry || entry.operation !== 'PUT') return null;
    return { key, value: stored(key, entry), revision: entry.revision };
  }

  async function create(key: string, value: T): Promise<number> {
    try {
      return await kv.create(key, encode(key, value));
    } catch (e) {
      if (isRevisionConflict(e)) {
        throw new RestackError('KV_EXISTS', `${bucket}/${key} already exists`, {
          cause: e,
          where: `${bucket}/${key}`,
        });
      }
      throw e;
    }
  }

  async function update(key: string, value: T, revision: number): Promise<number> {
    try {
      return await kv.update(key, encode(key, value), revision);
    } catch (e) {
      if (isRevisionConflict(e)) {
        throw new RestackError(
          'KV_CONFLICT',
          `${bucket}/${key} changed since revision ${revision}`,
          {
            cause: e,
            where: `${bucket}/${key}`,
          },
        );
      }
      throw e;
    }
  }

  return {
    bucket,
    get,
    create,
    update,
    put: async (key, value) => kv.put(key, encode(key, value)),
    async mutate(key, fn, options = {}) {
      const maxAttempts = options.maxAttempts ?? 20;
      for (let attempt = 1; ; attempt++) {
        const current = await get(key);
        const next = fn(current ? structuredClone(current.value) : null);
        if (next === undefined) return current;
        try {
          const revision = current
            ? await update(key, next, current.revision)
            : await create(key, next);
          return { key, value: next, revision };
        } catch (e) {
          const conflict =
            e instanceof RestackError && (e.code === 'KV_CONFLICT' || e.code === 'KV_EXISTS');
          if (!conflict || attempt >= maxAttempts) {
            if (conflict) {
              throw new RestackError(
                'KV_CONTENDED',
                `${bucket}/${key}: ${attempt} conflicting writers in a row`,
                {
                  cause: e,
                  where: `${bucket}/${key}`,
                },
              );
            }
            throw e;
          }
          // Small random pause so writers that collided do not collide again.
          await sleep(Math.random() * 5 * attempt);
        }
      }
    },
    async delete(key, revision) {
      try {
        await kv.delete(key, revision === undefined ? undefined : { previousSeq: revision });
      } catch (e) {
        if (isRevisionConflict(e)) {
          throw new RestackError(
            'KV_CONFLICT',
            `${bucket}/${key} changed since revision ${String(revision)}`,
            {
              cause: e,
              where: `${bucket}/${key}`,
            },
          );
        }
        throw e;
      }
    },
    async keys(filter) {
      const out: string[] = [];
      for await (const k of await kv.keys(filter)) out.push(k);
      return out;
    },
    async watch(onChange) {
      const empty = (await kv.status()).values === 0;
      const entries = await kv.watch();
      watches += 1;
      let caughtUp: () => void = () => undefined;
      const ready = new Promise<void>((resolve) => (caughtUp = resolve));
      if (empty) caughtUp();
      void (async () => {
        for await (const e of entries) {
          const key = e.key;
          // Taken here, whether or not the caller reads it, so that the memo only holds writes in flight.
          const own = e.operation === 'PUT' ? ownWrite(key, e.value) : undefined;
          onChange(key, e.revision, () => {
            if (e.operation !== 'PUT') return null;
            return own !== undefined ? own : stored(key, e);
          });
          // `delta` is what the server still holds for this watch: 0 once it has caught up.
          if (e.delta === 0) caughtUp();
        }
        caughtUp();
      })();
      await ready;
      let stopped = false;
      return {
        stop: () => {
          if (stopped) return;
          stopped = true;
          entries.stop();
          watches -= 1;
        },
      };
    },
  };
}

/** Checks that the bucket exists (Kvm.open does not), so a missing declaration fails at start-up. */
export async function assertBucket(jsm: JetStreamManager, bucket: string): Promise<void> {
  await whileRecovering(() => jsm.streams.info(`KV_${bucket}`)).catch((cause: unknown) => {
    throw new RestackError(
      'BUS_BUCKET_MISSING',
      `KV bucket ${bucket} is not available: ${errorMessage(cause)}`,
      {
        cause,
        where: `bucket ${bucket}`,
        fix: 'declare the bucket in the topology so that it is created at start-up',
      },
    );
  });
}
