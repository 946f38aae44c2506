import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { EVENTS_STREAM, type Bus, type ConsumerSpec } from '@restack/bus';
import { createEvent } from '@restack/events';
import { busFixture, defer, waitFor } from '../harness/nats.js';

const TIMEOUT = { timeout: 60_000 };

function digestChanged(n: number) {
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

async function settled(bus: Bus, durable: string): Promise<void> {
  await waitFor(`${durable} to have nothing pending`, async () => {
    const s = await bus.consumerState(durable);
    return s.pending === 0 && s.ackPending === 0;
  });
}

describe('bus delivery', () => {
  it('stores an event published twice with the same id once', TIMEOUT, async (t) => {
    const c = spec('dedup');
    const { bus } = await busFixture(t, [{ consumers: [c] }]);
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

  it('acks only after the handler resolves: a crash mid-handler redelivers', TIMEOUT, async (t) => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const c = spec('crash', { ackWaitMs: 1_000 });
    const { bus, open } = await busFixture(t, [{ consumers: [c] }]);
    const first = await open('first');
    defer(t, () => release()); // runs before the buses close, which wait for this handler
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
    await second.consume(c, (e, ctx) => void redelivered.push({ id: e.id, attempt: ctx.attempt }));
    await waitFor('the redelivery', () => redelivered.length === 1);
    await settled(bus, c.durable);
    assert.deepEqual(redelivered, [{ id: event.id, attempt: 2 }]);
  });

  it('retries a failing handler with back-off until it succeeds', TIMEOUT, async (t) => {
    const c = spec('flaky', { maxAttempts: 5 });
    const { bus } = await busFixture(t, [{ consumers: [c] }]);
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
  });

  it('shares one durable between two consumers without duplicates', TIMEOUT, async (t) => {
    const c = spec('shared');
    const { bus, open } = await busFixture(t, [{ consumers: [c] }]);
    const replicas = [await open('replica-a'), await open('replica-b')];
    const handled: { replica: number; id: string }[] = [];
    const started = [0, 0];
    // Each replica's first handler waits until the other replica has work too,
    // which only happens if a busy replica leaves messages for the idle one.
    let bothBusy!: () => void;
    const barrier = new Promise<void>((r) => (bothBusy = r));
    for (const [i, replica] of replicas.entries()) {
      await replica.consume(c, async (e) => {
        started[i]!++;
        if (started[0]! > 0 && started[1]! > 0) bothBusy();
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
  });

  it('gives a consumer of several types those types only', TIMEOUT, async (t) => {
    const c = {
      durable: 'several',
      subjects: ['restack.tag.missing', 'restack.image.stale'],
    } satisfies ConsumerSpec<'restack.tag.missing' | 'restack.image.stale'>;
    const { bus } = await busFixture(t, [{ consumers: [c] }]);
    const seen: string[] = [];
    await bus.consume(c, (e) => void seen.push(e.type));
    const digest = digestChanged(1).data.digest;
    await bus.publish(digestChanged(300));
    await bus.publish(
      createEvent('restack.tag.missing', {
        ref: 'debian:buster',
        previousDigest: digest,
        detectedBy: 'poll',
      }),
    );
    await bus.publish(
      createEvent('restack.image.stale', {
        image: 'registry.example.com/acme/app',
        digest,
        builtAt: '2024-01-01T00:00:00Z',
        ageDays: 100,
        maxAgeDays: 90,
      }),
    );
    await waitFor('both wanted events', () => seen.length >= 2);
    await settled(bus, c.durable);
    assert.deepEqual(seen, ['restack.tag.missing', 'restack.image.stale']);
  });

  it('resumes a running consumer after the server restarts', TIMEOUT, async (t) => {
    const c = spec('resume');
    const { bus, nats } = await busFixture(t, [{ consumers: [c] }]);
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
    'keeps events published before a server crash for a consumer started after it',
    TIMEOUT,
    async (t) => {
      const c = spec('durable');
      const { bus, nats } = await busFixture(t, [{ consumers: [c] }]);
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
