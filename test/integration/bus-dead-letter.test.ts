import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { DEAD_LETTER_STREAM, type Bus, type ConsumerSpec } from '@restack/bus';
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

async function deadLetters(bus: Bus, count: number) {
  return waitFor(`${count} dead letters`, async () => {
    const letters = await bus.deadLetters();
    return letters.length >= count && letters;
  });
}

describe('dead letters', () => {
  it('holds a message that failed maxAttempts times, with the reason', TIMEOUT, async (t) => {
    const c = spec('doomed', { maxAttempts: 3 });
    const { bus } = await busFixture(t, [{ consumers: [c] }]);
    let calls = 0;
    await bus.consume(c, () => {
      calls++;
      throw new Error('registry said 500');
    });
    const event = digestChanged(4);
    await bus.publish(event);
    const [letter] = await deadLetters(bus, 1);
    await settled(bus, c.durable);
    assert.equal(calls, 3);
    assert.equal(letter?.reason, 'failed');
    assert.equal(letter?.error, 'registry said 500');
    assert.equal(letter?.attempts, 3);
    assert.equal(letter?.maxAttempts, 3);
    assert.equal(letter?.originalSubject, 'restack.digest.changed');
    assert.equal(letter?.consumer, 'doomed');
    assert.equal(letter?.eventId, event.id);
    assert.deepEqual(JSON.parse(letter?.payload ?? ''), event);
    const jsm = await jetstreamManager(bus.connection);
    const stored = await jsm.streams.getMessage(DEAD_LETTER_STREAM, {
      last_by_subj: 'restack.deadletter.restack.digest.changed',
    });
    assert.ok(stored, 'stored on restack.deadletter.<type>');
  });

  it(
    'holds a message whose handler never finishes instead of redelivering it forever',
    TIMEOUT,
    async (t) => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const c = spec('poison', { ackWaitMs: 1_000, maxAttempts: 1 });
      const { bus, open } = await busFixture(t, [{ consumers: [c] }]);
      const crashing = await open('crashing');
      defer(t, () => release()); // runs before the buses close, which wait for this handler
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
      const [letter] = await deadLetters(bus, 1);
      await settled(bus, c.durable);
      assert.equal(calls, 0, 'the second delivery is over the limit and is not handled');
      assert.equal(letter?.reason, 'exhausted');
      assert.equal(letter?.attempts, 2);
      assert.equal(letter?.eventId, event.id);
    },
  );

  it(
    'takes invalid JSON and schema-invalid events at once, without the handler',
    TIMEOUT,
    async (t) => {
      const c = spec('strict');
      const { bus } = await busFixture(t, [{ consumers: [c] }]);
      let calls = 0;
      await bus.consume(c, () => void calls++);
      const js = jetstream(bus.connection);
      await js.publish('restack.digest.changed', '{"type": "restack.digest.changed",');
      const valid = digestChanged(5);
      await js.publish(
        'restack.digest.changed',
        JSON.stringify({ ...valid, data: { ...valid.data, digest: 'latest' } }),
      );
      const [schemaInvalid, notJson] = await deadLetters(bus, 2); // newest first
      await settled(bus, c.durable);
      assert.equal(calls, 0);
      assert.equal(notJson?.reason, 'invalid');
      assert.match(notJson?.error ?? '', /not UTF-8 JSON/);
      assert.equal(notJson?.attempts, 1);
      assert.equal(schemaInvalid?.reason, 'invalid');
      assert.equal(schemaInvalid?.where, 'data.digest');
      assert.match(schemaInvalid?.error ?? '', /data\.digest: must be an OCI digest/);
      assert.equal(schemaInvalid?.eventId, undefined, 'an invalid event has no trusted id');
    },
  );
});
