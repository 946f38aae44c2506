import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRestackError } from '@restack/core';
import {
  backoffDelay,
  consumerFilter,
  decodeKvKey,
  defineEndpoint,
  encodeKvKey,
  natsConnectionSchema,
  redactServers,
  restackTopology,
  supportsMultipleFilters,
} from './index.js';
import { z } from 'zod';

describe('backoffDelay', () => {
  const options = { initialMs: 100, maxMs: 1_000 };

  it('doubles per attempt, keeps half of each delay fixed and never passes the cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 30].map((a) => backoffDelay(a, options, () => 0)),
      [50, 100, 200, 400, 500, 500],
    );
    assert.deepEqual(
      [1, 2, 3, 4, 5, 30].map((a) => backoffDelay(a, options, () => 1)),
      [100, 200, 400, 800, 1_000, 1_000],
    );
  });
});

describe('consumerFilter', () => {
  it('uses one subject as is, several as filter_subjects on 2.10+', () => {
    assert.deepEqual(consumerFilter(['restack.pr.opened'], false), {
      filter_subject: 'restack.pr.opened',
    });
    assert.deepEqual(consumerFilter(['restack.pr.opened', 'restack.build.failed'], true), {
      filter_subjects: ['restack.build.failed', 'restack.pr.opened'],
    });
  });

  it('collapses several subjects to the narrowest wildcard on older servers', () => {
    assert.deepEqual(consumerFilter(['restack.pr.opened', 'restack.pr.failed'], false), {
      filter_subject: 'restack.pr.*',
    });
    assert.deepEqual(consumerFilter(['restack.pr.opened', 'restack.build.failed'], false), {
      filter_subject: 'restack.*.*',
    });
  });

  it('knows which servers take several filters', () => {
    assert.equal(supportsMultipleFilters('2.9.10'), false);
    assert.equal(supportsMultipleFilters('2.10.0'), true);
    assert.equal(supportsMultipleFilters('3.0.0'), true);
    assert.equal(supportsMultipleFilters(undefined), false);
  });
});

describe('KV keys', () => {
  it('escapes what NATS keys forbid and decodes it back', () => {
    for (const raw of [
      'docker.io/library/debian:bookworm',
      'ghcr.io/o/app@sha256:abc',
      'a=b',
      'naïve name',
    ]) {
      const key = encodeKvKey(raw);
      assert.match(key, /^[-/_=.a-zA-Z0-9]+$/);
      assert.equal(decodeKvKey(key), raw);
    }
    assert.equal(encodeKvKey('debian:bookworm'), 'debian=3Abookworm');
  });
});

describe('connection settings', () => {
  it('never shows user and password in server addresses', () => {
    assert.deepEqual(redactServers(['nats://alice:s3cret@nats-0:4222', 'nats-1:4222']), [
      'nats://nats-0:4222',
      'nats-1:4222',
    ]);
  });

  it('refuses two ways to authenticate at once and a user without password', () => {
    assert.equal(
      natsConnectionSchema.safeParse({ token: 't', credsFile: '/x.creds' }).success,
      false,
    );
    const r = natsConnectionSchema.safeParse({ user: 'alice' });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues[0]?.path, ['password']);
    assert.equal(natsConnectionSchema.parse({}).reconnect.maxMs, 10_000);
  });
});

describe('restackTopology', () => {
  it('declares the streams, the lease bucket and each consumer once', () => {
    const c = { durable: 'graph', subjects: ['restack.digest.changed'] as const };
    const t = restackTopology({ replicas: 3 }, [
      { consumers: [c] },
      { consumers: [c], buckets: [{ name: 'graph' }] },
    ]);
    assert.deepEqual(
      t.streams.map((s) => [s.name, s.subjects, s.replicas, s.duplicateWindowMs]),
      [
        ['RESTACK', ['restack.*.*'], 3, 120_000],
        ['RESTACK_DLQ', ['restack.deadletter.restack.>'], 3, 120_000],
      ],
    );
    assert.deepEqual(
      t.consumers.map((x) => x.durable),
      ['graph'],
    );
    assert.deepEqual(
      t.buckets.map((b) => [b.name, b.replicas]),
      [
        ['restack-leases', 3],
        ['graph', 3],
      ],
    );
  });

  it('names the bucket declared twice with different settings', () => {
    assert.throws(
      () =>
        restackTopology({}, [
          { buckets: [{ name: 'x', history: 1 }] },
          { buckets: [{ name: 'x', history: 5 }] },
        ]),
      (e: unknown) => isRestackError(e) && e.code === 'TOPOLOGY_CONFLICT' && e.where === 'bucket x',
    );
  });
});

describe('defineEndpoint', () => {
  it('accepts restack.rpc.<service>.<query> only', () => {
    const schema = z.object({});
    assert.doesNotThrow(() =>
      defineEndpoint({ subject: 'restack.rpc.graph.plan', request: schema, response: schema }),
    );
    for (const subject of ['restack.rpc.plan', 'graph.plan', 'restack.rpc.graph.*']) {
      assert.throws(() => defineEndpoint({ subject, request: schema, response: schema }));
    }
  });
});
