import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { ConsumerSpec } from '@restack/bus';
import { createEvent } from '@restack/events';
import { defineService, on, startRuntime, type Runtime } from '@restack/service';
import { defer, natsFor, testLogger, waitFor, type TestNats } from '../harness/nats.js';

const TIMEOUT = { timeout: 60_000 };

function digestChanged(ref: string, n: number) {
  return createEvent('restack.digest.changed', {
    ref,
    previousDigest: null,
    digest: `sha256:${n.toString(16).padStart(64, '0')}`,
    platforms: [],
    detectedBy: 'webhook',
    firstSeenAt: '2024-05-01T10:00:00Z',
  });
}

async function get(runtime: Runtime, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${runtime.http()?.port}${path}`);
  return { status: res.status, body: await res.text() };
}

const echo = {
  durable: 'echo',
  subjects: ['restack.digest.changed'],
  maxAttempts: 2,
  backoff: { initialMs: 50, maxMs: 100 },
} satisfies ConsumerSpec<'restack.digest.changed'>;

/** One service that handles refs starting with "bad" by throwing. */
async function startEcho(
  t: TestContext,
  nats: TestNats,
): Promise<{ runtime: Runtime; handled: string[] }> {
  const handled: string[] = [];
  const service = defineService({
    name: 'echo',
    handlers: [
      on(echo, (event) => {
        if (event.data.ref.startsWith('bad')) throw new Error(`cannot handle ${event.data.ref}`);
        handled.push(event.id);
      }),
    ],
  });
  const runtime = await startRuntime({
    name: 'runner-test',
    services: [service],
    nats: { servers: nats.url, reconnect: { initialMs: 50, maxMs: 500 } },
    http: { port: 0, host: '127.0.0.1' },
    handleSignals: false,
    pullExpiresMs: 1_000,
    logger: testLogger(),
  });
  defer(t, () => runtime.stop());
  return { runtime, handled };
}

describe('service runner', () => {
  it('serves /livez, /readyz and /metrics with restack counters', TIMEOUT, async (t) => {
    const nats = await natsFor(t);
    const { runtime, handled } = await startEcho(t, nats);
    assert.equal((await get(runtime, '/livez')).status, 200);
    await runtime.ready;
    assert.equal((await get(runtime, '/readyz')).status, 200);

    const bus = runtime.bus()!;
    await bus.publish(digestChanged('good:1', 1));
    await bus.publish(digestChanged('bad:1', 2));
    await waitFor('the good event', () => handled.length === 1);
    await waitFor('the dead letter', async () => (await bus.deadLetters()).length === 1);
    await waitFor('nothing pending', async () => {
      const s = await bus.consumerState('echo');
      return s.pending === 0 && s.ackPending === 0;
    });

    const { status, body } = await get(runtime, '/metrics');
    assert.equal(status, 200);
    const type = 'type="restack.digest.changed"';
    for (const line of [
      `restack_events_out_total{${type}} 2`,
      `restack_events_in_total{${type},consumer="echo"} 3`,
      `restack_handler_failures_total{${type},consumer="echo"} 2`,
      `restack_dead_letters_total{${type},consumer="echo",reason="failed"} 1`,
      'restack_consumer_pending{consumer="echo"} 0',
    ]) {
      assert.ok(body.split('\n').includes(line), `metrics contain ${line}`);
    }
    assert.match(body, /^process_cpu_user_seconds_total /m, 'default metrics too');
    assert.equal(await runtime.stop(), true, 'stopped cleanly');
    assert.equal(runtime.isReady(), false);
  });

  it('is ready only while NATS is connected', TIMEOUT, async (t) => {
    const nats = await natsFor(t);
    await nats.stop(); // the service starts before NATS does
    const { runtime } = await startEcho(t, nats);
    assert.equal((await get(runtime, '/livez')).status, 200);
    const before = await get(runtime, '/readyz');
    assert.equal(before.status, 503);
    assert.match(before.body, /nats not connected yet/);

    await nats.start();
    await runtime.ready;
    assert.equal((await get(runtime, '/readyz')).status, 200);

    await nats.stop();
    await waitFor('readyz to fail', async () => (await get(runtime, '/readyz')).status === 503);
    assert.equal((await get(runtime, '/livez')).status, 200, 'alive while NATS is away');
    await nats.start();
    await waitFor('readyz to recover', async () => (await get(runtime, '/readyz')).status === 200);
  });
});
