import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  connectBus,
  restackTopology,
  DEAD_LETTER_STREAM,
  EVENTS_STREAM,
  type Bus,
  type ConsumerSpec,
} from '@restack/bus';
import { createLogger, silentLogger } from '@restack/core';
import { createEvent, type EventOf } from '@restack/events';
import { startNats, waitFor, type TestNats } from '../harness/nats.js';

const TIMEOUT = 60_000;
const logger = (): ReturnType<typeof silentLogger> =>
  process.env.RESTACK_TEST_LOG
    ? createLogger({ level: process.env.RESTACK_TEST_LOG })
    : silentLogger();

type DigestChanged = EventOf<'restack.digest.changed'>;

function digestChanged(n: number): DigestChanged {
  return createEvent('restack.digest.changed', {
    ref: `registry.example.com/base:${n}`,
    previousDigest: null,
    digest: `sha256:${n.toString(16).padStart(64, '0')}`,
    platforms: ['linux/amd64'],
    detectedBy: 'poll',
    firstSeenAt: '2024-05-01T10:00:00Z',
  });
}

function spec(durable: string, extra: Partial<ConsumerSpec<'restack.digest.changed'>> = {}) {
  return {
    durable,
    subjects: ['restack.digest.changed'],
    backoff: { initialMs: 50, maxMs: 200 },
    ...extra,
  } satisfies ConsumerSpec<'restack.digest.changed'>;
}

interface Fixture {
  nats: TestNats;
  bus: Bus;
  open(name: string): Promise<Bus>;
}

/** A fresh nats-server, the topology with `consumers`, and a bus; all gone after the test. */
async function fixture(t: TestContext, consumers: ConsumerSpec[]): Promise<Fixture> {
  const nats = await startNats();
  const buses: Bus[] = [];
  const open = async (name: string): Promise<Bus> => {
    const b = await connectBus({
      name,
      connection: { servers: nats.url },
      logger: logger(),
      pullExpiresMs: 1_000,
    });
    buses.push(b);
    return b;
  };
  t.after(async () => {
    await Promise.allSettled(buses.map((b) => b.close()));
    await nats.close();
  });
  const bus = await open('test');
  await bus.ensureTopology(restackTopology({}, [{ consumers }]));
  return { nats, bus, open };
}

async function settled(bus: Bus, durable: string): Promise<void> {
  await waitFor(`${durable} to have nothing pending`, async () => {
    const s = await bus.consumerState(durable);
    return s.pending === 0 && s.ackPending === 0;
  });
}

describe('bus delivery', () => {
  it('stores an event published twice with the same id once', { timeout: TIMEOUT }, async (t) => {
    const c = spec('dedup');
    const { bus } = await fixture(t, [c]);
    const event = digestChanged(1);
    const first = await bus.publish(event);
    const second = await bus.publish(event);
    assert.equal(first.duplicate, false);
    assert.equal(second.duplicate, true);
    assert.equal(second.seq, first.seq);
    const jsm = await jetstreamManager(bus.connection);
    assert.equal((await jsm.streams.info(EVENTS_STREAM)).state.messages, 1);
    const seen: string[] = [];
    await bus.consume(c, (e) => void seen.push(e.id));
    await waitFor('the event', () => seen.length === 1);
    await settled(bus, c.durable);
    assert.deepEqual(seen, [event.id]);
  });

  it(
    'acks only after the handler resolves: a crash mid-handler redelivers',
    { timeout: TIMEOUT },
    async (t) => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      t.after(() => release()); // before the fixture's hook, which waits for this handler
      const c = spec('crash', { ackWaitMs: 1_000 });
      const { bus, open } = await fixture(t, [c]);
      const first = await open('first');
      let started = false;
      await first.consume(c, async () => {
        started = true;
        await gate;
      });
      const event = digestChanged(2);
      await bus.publish(event);
      await waitFor('the first handler to start', () => started);
      assert.equal((await bus.consumerState(c.durable)).ackPending, 1);

      // The process dies before its handler finished: no ack ever leaves it.
      await first.connection.close();
      const second = await open('second');
      const redelivered: { id: string; attempt: number }[] = [];
      await second.consume(
        c,
        (e, ctx) => void redelivered.push({ id: e.id, attempt: ctx.attempt }),
      );
      await waitFor('the redelivery', () => redelivered.length === 1);
      await settled(bus, c.durable);
      assert.deepEqual(redelivered, [{ id: event.id, attempt: 2 }]);
    },
  );

  it(
    'retries a failing handler with back-off until it succeeds',
    { timeout: TIMEOUT },
    async (t) => {
      const c = spec('flaky', { maxAttempts: 5 });
      const { bus } = await fixture(t, [c]);
      const attempts: number[] = [];
      let done = false;
      await bus.consume(c, (_e, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new Error('registry said 503');
        done = true;
      });
      await bus.publish(digestChanged(3));
      await waitFor('success on the third attempt', () => done);
      await settled(bus, c.durable);
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.deepEqual(await bus.deadLetters(), []);
    },
  );

  it(
    'dead-letters a message after maxAttempts failures, with the reason',
    { timeout: TIMEOUT },
    async (t) => {
      const c = spec('doomed', { maxAttempts: 3 });
      const { bus } = await fixture(t, [c]);
      let calls = 0;
      await bus.consume(c, () => {
        calls++;
        throw new Error('registry said 500');
      });
      const event = digestChanged(4);
      await bus.publish(event);
      const [letter] = await waitFor('a dead letter', async () => {
        const letters = await bus.deadLetters();
        return letters.length > 0 && letters;
      });
      await settled(bus, c.durable);
      assert.equal(calls, 3);
      assert.ok(letter);
      assert.equal(letter.reason, 'failed');
      assert.equal(letter.error, 'registry said 500');
      assert.equal(letter.attempts, 3);
      assert.equal(letter.maxAttempts, 3);
      assert.equal(letter.originalSubject, 'restack.digest.changed');
      assert.equal(letter.consumer, 'doomed');
      assert.equal(letter.eventId, event.id);
      assert.deepEqual(JSON.parse(letter.payload), event);
      const jsm = await jetstreamManager(bus.connection);
      const stored = await jsm.streams.getMessage(DEAD_LETTER_STREAM, {
        last_by_subj: 'restack.deadletter.restack.digest.changed',
      });
      assert.ok(stored, 'stored on restack.deadletter.<type>');
    },
  );

  it(
    'dead-letters a message whose handler never gets to finish instead of redelivering it forever',
    { timeout: TIMEOUT },
    async (t) => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      t.after(() => release());
      const c = spec('poison', { ackWaitMs: 1_000, maxAttempts: 1 });
      const { bus, open } = await fixture(t, [c]);
      const crashing = await open('crashing');
      let started = false;
      await crashing.consume(c, async () => {
        started = true;
        await gate;
      });
      const event = digestChanged(6);
      await bus.publish(event);
      await waitFor('the handler to start', () => started);
      await crashing.connection.close();
      let calls = 0;
      await bus.consume(c, () => void calls++);
      const [letter] = await waitFor('a dead letter', async () => {
        const l = await bus.deadLetters();
        return l.length > 0 && l;
      });
      await settled(bus, c.durable);
      assert.equal(calls, 0, 'the second delivery is over the limit and is not handled');
      assert.equal(letter?.reason, 'exhausted');
      assert.equal(letter?.attempts, 2);
      assert.equal(letter?.eventId, event.id);
    },
  );

  it(
    'dead-letters invalid JSON and schema-invalid events without calling the handler',
    { timeout: TIMEOUT },
    async (t) => {
      const c = spec('strict');
      const { bus } = await fixture(t, [c]);
      let calls = 0;
      await bus.consume(c, () => void calls++);
      const js = jetstream(bus.connection);
      await js.publish('restack.digest.changed', '{"type": "restack.digest.changed",');
      const bad = { ...digestChanged(5), data: { ...digestChanged(5).data, digest: 'latest' } };
      await js.publish('restack.digest.changed', JSON.stringify(bad));
      const letters = await waitFor('two dead letters', async () => {
        const l = await bus.deadLetters();
        return l.length === 2 && l;
      });
      await settled(bus, c.durable);
      assert.equal(calls, 0);
      const [schemaInvalid, notJson] = letters; // newest first
      assert.equal(notJson?.reason, 'invalid');
      assert.match(notJson?.error ?? '', /not UTF-8 JSON/);
      assert.equal(notJson?.attempts, 1);
      assert.equal(schemaInvalid?.reason, 'invalid');
      assert.equal(schemaInvalid?.where, 'data.digest');
      assert.match(schemaInvalid?.error ?? '', /data\.digest/);
    },
  );

  it(
    'shares one durable between two consumers without duplicates',
    { timeout: TIMEOUT },
    async (t) => {
      const c = spec('shared');
      const { bus, open } = await fixture(t, [c]);
      const replicas = [await open('replica-a'), await open('replica-b')];
      const handled: { replica: number; id: string }[] = [];
      const byReplica = [0, 0];
      // Each replica's first handler waits until the other replica has work too,
      // which only happens if a busy replica leaves messages for the idle one.
      let bothBusy!: () => void;
      const barrier = new Promise<void>((r) => (bothBusy = r));
      for (const [i, replica] of replicas.entries()) {
        await replica.consume(c, async (e) => {
          byReplica[i]!++;
          if (byReplica[0]! > 0 && byReplica[1]! > 0) bothBusy();
          await barrier;
          handled.push({ replica: i, id: e.id });
        });
      }
      const events = Array.from({ length: 20 }, (_, i) => digestChanged(100 + i));
      for (const e of events) await bus.publish(e);
      await waitFor('all events', () => handled.length >= events.length);
      await settled(bus, c.durable);
      assert.equal(handled.length, events.length);
      assert.deepEqual(new Set(handled.map((h) => h.id)), new Set(events.map((e) => e.id)));
      assert.ok(handled.some((h) => h.replica === 0) && handled.some((h) => h.replica === 1));
    },
  );

  it('gives a consumer of several types those types only', { timeout: TIMEOUT }, async (t) => {
    const c = {
      durable: 'several',
      subjects: ['restack.tag.missing', 'restack.image.stale'],
    } satisfies ConsumerSpec<'restack.tag.missing' | 'restack.image.stale'>;
    const { bus } = await fixture(t, [c]);
    const seen: string[] = [];
    await bus.consume(c, (e) => void seen.push(e.type));
    await bus.publish(digestChanged(300));
    await bus.publish(
      createEvent('restack.tag.missing', {
        ref: 'debian:buster',
        previousDigest: digestChanged(1).data.digest,
        detectedBy: 'poll',
      }),
    );
    await bus.publish(
      createEvent('restack.image.stale', {
        image: 'registry.example.com/acme/app',
        digest: digestChanged(2).data.digest,
        builtAt: '2024-01-01T00:00:00Z',
        ageDays: 100,
        maxAgeDays: 90,
      }),
    );
    await waitFor('both wanted events', () => seen.length >= 2);
    await settled(bus, c.durable);
    assert.deepEqual(seen, ['restack.tag.missing', 'restack.image.stale']);
  });

  it('resumes a running consumer after the server restarts', { timeout: TIMEOUT }, async (t) => {
    const c = spec('resume');
    const { bus, nats } = await fixture(t, [c]);
    const seen: string[] = [];
    await bus.consume(c, (e) => void seen.push(e.id));
    const first = digestChanged(400);
    await bus.publish(first);
    await waitFor('the first event', () => seen.length === 1);
    await nats.restart();
    await waitFor('the bus to reconnect', () => bus.isConnected());
    const second = digestChanged(401);
    await bus.publish(second);
    await waitFor('the second event', () => seen.length === 2);
    assert.deepEqual(seen, [first.id, second.id]);
  });

  it(
    'keeps events published before a server crash and consumes them after the restart',
    { timeout: TIMEOUT },
    async (t) => {
      const c = spec('durable');
      const { bus, nats } = await fixture(t, [c]);
      const before = [digestChanged(200), digestChanged(201), digestChanged(202)];
      for (const e of before) await bus.publish(e);
      await nats.kill();
      await nats.start();
      await waitFor('the bus to reconnect', () => bus.isConnected());
      const after = digestChanged(203);
      await bus.publish(after);
      const seen: string[] = [];
      await bus.consume(c, (e) => void seen.push(e.id));
      await waitFor('every event', () => seen.length >= 4);
      await settled(bus, c.durable);
      assert.deepEqual(
        seen,
        [...before, after].map((e) => e.id),
      );
    },
  );
});
