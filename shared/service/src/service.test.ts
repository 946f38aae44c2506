import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '@restack/core';
import { createMetrics, startHttpServer } from './index.js';

describe('createMetrics', () => {
  it('counts what the bus reports and the lag of tracked consumers', async () => {
    const m = createMetrics();
    m.observer.published?.('restack.pr.requested');
    m.observer.received?.('restack.campaign.planned', 'dispatcher');
    m.observer.handlerFailed?.('restack.campaign.planned', 'dispatcher');
    m.observer.deadLettered?.('restack.campaign.planned', 'dispatcher', 'failed');
    m.trackConsumers(['dispatcher', 'gone'], async (durable) => {
      if (durable === 'gone') throw new Error('consumer not found');
      return { pending: 7, ackPending: 1, redelivered: 0 };
    });
    const text = await m.registry.metrics();
    for (const line of [
      'restack_events_out_total{type="restack.pr.requested"} 1',
      'restack_events_in_total{type="restack.campaign.planned",consumer="dispatcher"} 1',
      'restack_handler_failures_total{type="restack.campaign.planned",consumer="dispatcher"} 1',
      'restack_dead_letters_total{type="restack.campaign.planned",consumer="dispatcher",reason="failed"} 1',
      'restack_consumer_pending{consumer="dispatcher"} 7',
    ]) {
      assert.ok(text.split('\n').includes(line), line);
    }
    assert.doesNotMatch(text, /consumer="gone"/, 'a consumer NATS cannot report on is left out');
  });
});

describe('startHttpServer', () => {
  it('answers the probes and says why it is not ready', async () => {
    let reasons = ['nats disconnected'];
    const http = await startHttpServer(
      { port: 0, host: '127.0.0.1' },
      { registry: createMetrics().registry, notReady: () => reasons },
      silentLogger(),
    );
    try {
      const base = `http://127.0.0.1:${http.port}`;
      assert.equal((await fetch(`${base}/livez`)).status, 200);
      const notReady = await fetch(`${base}/readyz`);
      assert.equal(notReady.status, 503);
      assert.deepEqual(await notReady.json(), { ready: false, reasons: ['nats disconnected'] });
      reasons = [];
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      const metrics = await fetch(`${base}/metrics`);
      assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal((await fetch(`${base}/nope`)).status, 404);
      assert.equal((await fetch(`${base}/livez`, { method: 'POST' })).status, 405);
    } finally {
      await http.close();
    }
  });
});
