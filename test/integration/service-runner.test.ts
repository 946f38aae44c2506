import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectBus, type Bus, type ConsumerSpec } from '@restack/bus';
import { createLogger, silentLogger } from '@restack/core';
import { createEvent } from '@restack/events';
import { defineService, on, startRuntime, type Runtime } from '@restack/service';
import { startNats, waitFor, type TestNats } from '../harness/nats.js';
import { EFFECTS_BUCKET, childConsumer, effectSchema } from './service-sigterm-child.js';

const TIMEOUT = 60_000;
const CHILD = fileURLToPath(new URL('./service-sigterm-child.js', import.meta.url));
const logger = (): ReturnType<typeof silentLogger> =>
  process.env.RESTACK_TEST_LOG
    ? createLogger({ level: process.env.RESTACK_TEST_LOG })
    : silentLogger();

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
    logger: logger(),
  });
  t.after(() => runtime.stop());
  return { runtime, handled };
}

describe('service runner', () => {
  it(
    'serves /livez, /readyz and /metrics with restack counters',
    { timeout: TIMEOUT },
    async (t) => {
      const nats = await startNats();
      t.after(() => nats.close());
      const { runtime, handled } = await startEcho(t, nats);
      assert.equal((await get(runtime, '/livez')).status, 200);
      await runtime.ready;
      assert.equal((await get(runtime, '/readyz')).status, 200);

      const bus = runtime.bus()!;
      const good = digestChanged('good:1', 1);
      await bus.publish(good);
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
      assert.equal(await runtime.stop(), true);
      assert.equal(runtime.isReady(), false);
    },
  );

  it('is ready only while NATS is connected', { timeout: TIMEOUT }, async (t) => {
    const nats = await startNats();
    t.after(() => nats.close());
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

interface Child {
  lines: Record<string, unknown>[];
  next(key: string): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

function spawnChild(t: TestContext, nats: TestNats, env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [CHILD], {
    env: { ...process.env, RESTACK_CHILD_NATS_URL: nats.url, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  t.after(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  });
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: proc.stdout }).on('line', (l) =>
    lines.push(JSON.parse(l) as Record<string, unknown>),
  );
  return {
    lines,
    next: (key) => waitFor(`the child to print ${key}`, () => lines.find((l) => key in l)),
    exited,
    kill: (signal) => proc.kill(signal),
  };
}

async function observer(t: TestContext, nats: TestNats): Promise<Bus> {
  const bus = await connectBus({
    name: 'observer',
    connection: { servers: nats.url },
    logger: logger(),
  });
  t.after(() => bus.close());
  return bus;
}

describe('service runner shutdown', () => {
  it(
    'finishes the handler in flight on SIGTERM, acks it and exits 0',
    { timeout: TIMEOUT },
    async (t) => {
      const nats = await startNats();
      t.after(() => nats.close());
      const child = spawnChild(t, nats);
      await child.next('ready');
      const bus = await observer(t, nats);
      const event = digestChanged('debian:bookworm', 7);
      await bus.publish(event);
      assert.equal((await child.next('handling')).handling, event.id);

      child.kill('SIGTERM');
      assert.equal(await child.exited, 0);
      assert.deepEqual(child.lines.at(-1), { finished: event.id });
      const effects = await bus.kv(EFFECTS_BUCKET, effectSchema);
      assert.deepEqual((await effects.get(event.id))?.value, {
        eventId: event.id,
        finishedAfterStop: true,
      });
      const state = await bus.consumerState(childConsumer.durable);
      assert.deepEqual(
        [state.pending, state.ackPending],
        [0, 0],
        'acked, so nobody handles it again',
      );
    },
  );

  it(
    'gives up after the shutdown timeout, exits 1 and leaves the message for another replica',
    { timeout: TIMEOUT },
    async (t) => {
      const nats = await startNats();
      t.after(() => nats.close());
      const child = spawnChild(t, nats, {
        RESTACK_CHILD_MODE: 'hang',
        RESTACK_CHILD_SHUTDOWN_MS: '1000',
      });
      await child.next('ready');
      const bus = await observer(t, nats);
      const event = digestChanged('debian:bookworm', 8);
      await bus.publish(event);
      await child.next('handling');

      child.kill('SIGTERM');
      assert.equal(await child.exited, 1);
      const redelivered: { id: string; attempt: number }[] = [];
      await bus.consume(
        childConsumer,
        (e, ctx) => void redelivered.push({ id: e.id, attempt: ctx.attempt }),
      );
      await waitFor('the redelivery', () => redelivered.length === 1);
      assert.deepEqual(redelivered, [{ id: event.id, attempt: 2 }]);
    },
  );
});
