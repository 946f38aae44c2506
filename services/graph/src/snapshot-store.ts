import { createHash } from 'node:crypto';
import type { Bus, BucketSpec, TypedKv } from '@restack/bus';
import { z } from 'zod';

export const GRAPH_BUCKET = {
  name: 'restack-graph',
  history: 1,
  description: 'graph service: index snapshot in chunks',
} satisfies BucketSpec;

// nats-server's default max_payload is 1 MiB, and a KV value is one message:
// chunks of 512 KiB (about 700 KB in base64) stay well under it.
const CHUNK_BYTES = 512 * 1024;

const metaSchema = z.object({
  generation: z.number().int().nonnegative(),
  chunks: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string(),
});
const chunkSchema = z.object({ data: z.string() });

export interface SnapshotStore {
  save(bytes: Buffer): Promise<void>;
  /** The last snapshot saved, or undefined when none is complete. */
  load(): Promise<Buffer | undefined>;
}

/**
 * The index snapshot in KV: chunks written under a new generation first,
 * then `meta` pointing at it, then the old generation deleted, so a crash
 * mid-write leaves the previous snapshot readable.
 */
export async function snapshotStore(bus: Bus): Promise<SnapshotStore> {
  const meta: TypedKv<z.infer<typeof metaSchema>> = await bus.kv(GRAPH_BUCKET.name, metaSchema);
  const chunks: TypedKv<z.infer<typeof chunkSchema>> = await bus.kv(GRAPH_BUCKET.name, chunkSchema);
  const key = (generation: number, i: number) => `chunk.${generation}.${i}`;
  return {
    async save(bytes) {
      const previous = (await meta.get('meta'))?.value;
      const generation = (previous?.generation ?? 0) + 1;
      let count = 0;
      for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES, count++) {
        await chunks.put(key(generation, count), {
          data: bytes.subarray(offset, offset + CHUNK_BYTES).toString('base64'),
        });
      }
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      await meta.put('meta', { generation, chunks: count, bytes: bytes.length, sha256 });
      if (previous)
        for (let i = 0; i < previous.chunks; i++) await chunks.delete(key(previous.generation, i));
    },
    async load() {
      const m = (await meta.get('meta'))?.value;
      if (!m) return undefined;
      const parts: Buffer[] = [];
      for (let i = 0; i < m.chunks; i++) {
        const c = await chunks.get(key(m.generation, i));
        if (!c) return undefined;
        parts.push(Buffer.from(c.value.data, 'base64'));
      }
      const bytes = Buffer.concat(parts);
      const sha = createHash('sha256').update(bytes).digest('hex');
      return bytes.length === m.bytes && sha === m.sha256 ? bytes : undefined;
    },
  };
}
