import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import {
  connectBus,
  restackTopology,
  supportsMultipleFilters,
  DEAD_LETTER_STREAM,
  EVENTS_STREAM,
  type Bus,
  type ConsumerSpec,
} from '@restack/bus';
import { isRestackError } from '@restack/core';
import { defer, natsFor, testLogger } from '../harness/nats.js';

const TIMEOUT = 60_000;

const dispatcher: ConsumerSpec = {
  durable: 'dispatcher',
  subjects: ['restack.campaign.planned', 'restack.image.rebuilt'],
};
const scanner: ConsumerSpec = {
  durable: 'scanner',
  subjects: ['restack.image.rebuilt'],
  ackWaitMs: 120_000,
};
const parts = [
  {
    consumers: [dispatcher, scanner],
    buckets: [{ name: 'campaigns', history: 5, ttlMs: 3_600_000 }],
  },
];

async function twoReplicas(t: TestContext): Promise<[Bus, Bus]> {
  const nats = await natsFor(t);
  const open = (name: string): Promise<Bus> =>
    connectBus({ name, connection: { servers: nats.url }, logger: testLogger() });
  const buses = [await open('replica-a'), await open('replica-b')] as [Bus, Bus];
  for (const b of buses) defer(t, () => b.close());
  return buses;
}

describe('topology', () => {
  it(
    'is created once and left alone when declared again, even by two replicas at once',
    { timeout: TIMEOUT },
    async (t) => {
      const [a, b] = await twoReplicas(t);
      const topology = restackTopology({}, parts);
      const [first, racer] = await Promise.all([
        a.ensureTopology(topology),
        b.ensureTopology(topology),
      ]);
      assert.equal(first.updated.length + racer.updated.length, 0);
      const again = await a.ensureTopology(topology);
      assert.deepEqual(again.created, []);
      assert.deepEqual(again.updated, []);
      assert.deepEqual(again.unchanged.sort(), [
        'bucket campaigns',
        'bucket restack-leases',
        'consumer RESTACK/dispatcher',
        'consumer RESTACK/scanner',
        'stream RESTACK',
        'stream RESTACK_DLQ',
      ]);

      const jsm = await jetstreamManager(a.connection);
      const events = await jsm.streams.info(EVENTS_STREAM);
      assert.deepEqual(events.config.subjects, ['restack.*.*']);
      assert.equal(events.config.duplicate_window, nanos(120_000));
      assert.equal(events.config.num_replicas, 1);
      assert.deepEqual((await jsm.streams.info(DEAD_LETTER_STREAM)).config.subjects, [
        'restack.deadletter.restack.>',
      ]);
      // nats-server 2.9 takes one filter: two types collapse to restack.*.* and the bus skips the rest.
      const dispatch = (await jsm.consumers.info(EVENTS_STREAM, 'dispatcher')).config;
      if (supportsMultipleFilters(a.connection.info?.version)) {
        assert.deepEqual(dispatch.filter_subjects, [
          'restack.campaign.planned',
          'restack.image.rebuilt',
        ]);
      } else {
        assert.equal(dispatch.filter_subject, 'restack.*.*');
      }
      const scan = await jsm.consumers.info(EVENTS_STREAM, 'scanner');
      assert.equal(scan.config.filter_subject, 'restack.image.rebuilt');
      assert.equal(scan.config.ack_wait, nanos(120_000));
      const bucket = await jsm.streams.info('KV_campaigns');
      assert.equal(bucket.config.max_msgs_per_subject, 5);
      assert.equal(bucket.config.max_age, nanos(3_600_000));
    },
  );

  it(
    'applies a changed duplicate window and consumer settings on the next start',
    { timeout: TIMEOUT },
    async (t) => {
      const [a] = await twoReplicas(t);
      await a.ensureTopology(restackTopology({}, parts));
      const changed = restackTopology({ duplicateWindowMs: 30_000 }, [
        {
          consumers: [dispatcher, { ...scanner, ackWaitMs: 60_000 }],
          buckets: [{ name: 'campaigns', history: 10 }],
        },
      ]);
      const report = await a.ensureTopology(changed);
      assert.deepEqual(report.updated.sort(), [
        'bucket campaigns',
        'consumer RESTACK/scanner',
        'stream RESTACK',
        'stream RESTACK_DLQ',
      ]);
      const jsm = await jetstreamManager(a.connection);
      assert.equal((await jsm.streams.info(EVENTS_STREAM)).config.duplicate_window, nanos(30_000));
      assert.equal(
        (await jsm.consumers.info(EVENTS_STREAM, 'scanner')).config.ack_wait,
        nanos(60_000),
      );
      const bucket = (await jsm.streams.info('KV_campaigns')).config;
      assert.equal(bucket.max_msgs_per_subject, 10);
      assert.equal(bucket.max_age, 0);
    },
  );

  it('refuses one durable declared twice with different subjects', () => {
    assert.throws(
      () =>
        restackTopology({}, [
          { consumers: [dispatcher] },
          { consumers: [{ ...dispatcher, subjects: ['restack.pr.opened'] }] },
        ]),
      (e: unknown) =>
        isRestackError(e) && e.code === 'TOPOLOGY_CONFLICT' && e.where === 'consumer dispatcher',
    );
  });
});
