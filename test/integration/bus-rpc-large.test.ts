import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { Empty, createInbox, headers, type NatsConnection } from '@nats-io/transport-node';
import { MAX_REPLY_BYTES, defineEndpoint, type Bus } from '@restack/bus';
import { isRestackError } from '@restack/core';
import { z } from 'zod';
import { busFixture } from '../harness/nats.js';

// Answers larger than nats-server's max_payload (1 MiB by default), against a
// real server: gzip'd or in parts, returned exactly, and a broken sequence of
// parts refused with a clear error instead of returned in part.

const TIMEOUT = 120_000;

const blob = defineEndpoint({
  subject: 'restack.rpc.test.blob',
  request: z.object({ name: z.string() }),
  response: z.object({ data: z.string() }),
});

/** Random base64: gzip saves only about a quarter of it. */
function noise(chars: number): string {
  return randomBytes(Math.ceil((chars * 3) / 4))
    .toString('base64')
    .slice(0, chars);
}

interface Seen {
  bytes: number;
  headers?: Record<string, string>;
}

/**
 * What goes over the wire to inboxes (replies, fetches, parts), as seen by
 * another connection to the same server.
 */
async function watchInboxes(watcher: Bus): Promise<{ take(): Promise<Seen[]> }> {
  const nc = watcher.connection;
  let seen: Seen[] = [];
  nc.subscribe('_INBOX.>', {
    callback: (_err, m) => {
      const h = m.headers;
      seen.push({
        bytes: m.data.length,
        ...(h ? { headers: Object.fromEntries(h.keys().map((k) => [k, h.get(k)])) } : {}),
      });
    },
  });
  await nc.flush();
  return {
    // The server queued every message the requester got to the watcher before this flush's pong.
    async take() {
      await nc.flush();
      const taken = seen;
      seen = [];
      return taken;
    },
  };
}

async function fixture(t: TestContext): Promise<{ server: Bus; client: Bus; watcher: Bus }> {
  const { bus, open } = await busFixture(t);
  return { server: bus, client: await open('client'), watcher: await open('watcher') };
}

function failure(code: string, message: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isRestackError(e), `expected a RestackError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  };
}

function maxPayload(bus: Bus): number {
  const max = bus.connection.info?.max_payload;
  assert.ok(max, 'the server said its max_payload');
  return max;
}

describe('request/reply: answers over max_payload', () => {
  it(
    'returns an answer of several MiB of random data exactly, in parts',
    { timeout: TIMEOUT },
    async (t) => {
      const { server, client, watcher } = await fixture(t);
      const data = noise(6 * 1024 * 1024);
      server.serve(blob, () => ({ data }));
      await server.connection.flush();
      const wire = await watchInboxes(watcher);

      const answer = await client.request(blob, { name: 'big' });
      assert.equal(answer.data.length, data.length);
      assert.ok(answer.data === data, 'the answer came back byte for byte');

      const seen = await wire.take();
      const manifests = seen.filter((m) => m.headers?.['Restack-Parts']);
      const parts = seen.filter((m) => m.headers?.['Restack-Part']);
      assert.equal(manifests.length, 1);
      // gzip leaves about 4.5 MiB of 6 MiB of base64: still several messages.
      assert.ok(parts.length >= 4, `${parts.length} parts`);
      assert.equal(manifests[0]?.headers?.['Restack-Parts'], String(parts.length));
      assert.deepEqual(
        parts.map((p) => p.headers?.['Restack-Part']),
        parts.map((_p, i) => String(i)),
      );
      const max = maxPayload(client);
      assert.ok(
        parts.every((p) => p.bytes < max),
        'every part fits a message',
      );
    },
  );

  it(
    'sends an answer of exactly max_payload bytes as one plain message; one byte more still arrives',
    { timeout: TIMEOUT },
    async (t) => {
      const { server, client, watcher } = await fixture(t);
      const max = maxPayload(client);
      // The reply envelope around the handler's result.
      const envelope = Buffer.byteLength(JSON.stringify({ ok: true, result: { data: '' } }));
      const under = noise(max - envelope);
      const over = noise(max - envelope + 1);
      server.serve(blob, ({ name }) => ({ data: name === 'under' ? under : over }));
      await server.connection.flush();
      const wire = await watchInboxes(watcher);

      assert.ok((await client.request(blob, { name: 'under' })).data === under);
      assert.deepEqual(await wire.take(), [{ bytes: max }]);

      assert.ok((await client.request(blob, { name: 'over' })).data === over);
      const seen = await wire.take();
      assert.equal(seen.length, 1, 'gzip brings it under the limit: still one message');
      assert.deepEqual(seen[0]?.headers, { 'Restack-Encoding': 'gzip' });
      assert.ok((seen[0]?.bytes ?? max) < max);
    },
  );

  it(
    'refuses an answer over 64 MiB with a clear error and keeps answering',
    { timeout: TIMEOUT },
    async (t) => {
      const { server, client } = await fixture(t);
      server.serve(blob, ({ name }) => ({
        data: name === 'huge' ? 'x'.repeat(MAX_REPLY_BYTES) : 'small',
      }));
      await server.connection.flush();
      await assert.rejects(
        client.request(blob, { name: 'huge' }),
        failure(
          'RPC_REPLY_TOO_LARGE',
          /^restack\.rpc\.test\.blob: the answer is 64\.0 MiB, over the 64\.0 MiB/,
        ),
      );
      assert.deepEqual(await client.request(blob, { name: 'small' }), { data: 'small' });
    },
  );

  it(
    'finishes an answer in parts when the answering bus closes meanwhile',
    { timeout: TIMEOUT },
    async (t) => {
      const { server, client } = await fixture(t);
      const data = noise(3 * 1024 * 1024);
      let answered: () => void = () => undefined;
      const handled = new Promise<void>((resolve) => (answered = resolve));
      server.serve(blob, () => {
        answered();
        return { data };
      });
      await server.connection.flush();
      const request = client.request(blob, { name: 'big' });
      await handled;
      // As on SIGTERM: responders stop, then the connection drains.
      const closed = server.close();
      assert.ok((await request).data === data, 'the answer came back whole');
      await closed;
      await assert.rejects(
        client.request(blob, { name: 'big' }, 2_000),
        failure('RPC_NO_RESPONDERS', /no service answers it/),
      );
    },
  );
});

interface Script {
  /** What the manifest claims, over the truth. */
  manifest?: Record<string, unknown>;
  /** The parts sent for a fetch from `from`; default every one from `from` on. */
  send?: (from: number) => number[];
  /** Whether a window ends with the empty message; default yes. */
  end?: boolean;
}

const ANSWER = { data: noise(3_000) };

/**
 * A responder written by hand on the raw connection, speaking the wire format
 * (shared/bus README) in three parts of the answer, or breaking it as told.
 */
function handWritten(nc: NatsConnection, script: Script): { stop(): void } {
  const json = Buffer.from(JSON.stringify({ ok: true, result: ANSWER }));
  const parts = [json.subarray(0, 1_000), json.subarray(1_000, 2_000), json.subarray(2_000)];
  const fetch = createInbox();
  const fetches = nc.subscribe(fetch, {
    callback: (_err, m) => {
      const { from } = m.json<{ from: number }>();
      for (const i of script.send?.(from) ?? [0, 1, 2].filter((i) => i >= from)) {
        const h = headers();
        h.set('Restack-Part', String(i));
        m.respond(parts[i], { headers: h });
      }
      if (script.end !== false) m.respond(Empty);
    },
  });
  const requests = nc.subscribe(blob.subject, {
    callback: (_err, m) => {
      const h = headers();
      h.set('Restack-Parts', '3');
      const manifest = {
        parts: 3,
        bytes: json.length,
        encodedBytes: json.length,
        sha256: createHash('sha256').update(json).digest('hex'),
        encoding: 'identity',
        fetch,
        ...script.manifest,
      };
      m.respond(JSON.stringify(manifest), { headers: h });
    },
  });
  return {
    stop() {
      fetches.unsubscribe();
      requests.unsubscribe();
    },
  };
}

describe('request/reply: a broken sequence of parts', () => {
  it(
    'is refused with an error that names the subject and what is missing',
    { timeout: TIMEOUT },
    async (t) => {
      const { server, client } = await fixture(t);
      async function ask(script: Script, timeoutMs?: number) {
        const responder = handWritten(server.connection, script);
        await server.connection.flush();
        try {
          return await client.request(blob, { name: 'x' }, timeoutMs);
        } finally {
          responder.stop();
        }
      }

      // The hand-written responder speaks the format: sent whole, the answer comes back.
      assert.deepEqual(await ask({}), ANSWER);
      await assert.rejects(
        ask({ send: (from) => [0, 1].filter((i) => i >= from) }),
        failure(
          'RPC_REPLY_INCOMPLETE',
          /^restack\.rpc\.test\.blob: got 2 of the 3 parts of the answer; the responder has none from part 2/,
        ),
      );
      await assert.rejects(
        ask({ send: () => [0, 2] }),
        failure(
          'RPC_REPLY_INCOMPLETE',
          /got 1 of the 3 parts .*part 2 came where part 1 \(from 0\) was due/,
        ),
      );
      await assert.rejects(
        ask({ manifest: { sha256: '0'.repeat(64) } }),
        failure('RPC_REPLY_CORRUPT', /^restack\.rpc\.test\.blob: .*do not match the SHA-256/),
      );
      await assert.rejects(
        ask({ manifest: { fetch: createInbox() } }),
        failure('RPC_REPLY_INCOMPLETE', /got 0 of the 3 parts of the answer; the rest is gone/),
      );
      // Falls silent after two parts: the request's timeout still ends it.
      await assert.rejects(
        ask({ send: (from) => (from === 0 ? [0, 1] : []), end: false }, 3_000),
        failure('RPC_TIMEOUT', /^restack\.rpc\.test\.blob: timed out with 2 of the 3 parts/),
      );
      await assert.rejects(
        ask({ manifest: { parts: 0 } }),
        failure('RPC_INVALID_RESPONSE', /manifest of an answer in parts is invalid: parts /),
      );
      await assert.rejects(
        ask({ manifest: { bytes: MAX_REPLY_BYTES + 1 } }),
        failure('RPC_REPLY_TOO_LARGE', /^restack\.rpc\.test\.blob: the answer is 64\.0 MiB, over/),
      );
    },
  );
});
