import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectBus, type Bus } from '@restack/bus';
import { createEvent } from '@restack/events';
import { defer, natsFor, testLogger, waitFor, type TestNats } from '../harness/nats.js';
import { EFFECTS_BUCKET, childConsumer, effectSchema } from './service-sigterm-child.js';

const TIMEOUT = { timeout: 60_000 };
const CHILD = fileURLToPath(new URL('./service-sigterm-child.js', import.meta.url));

function digestChanged(n: number) {
  return createEvent('restack.digest.changed', {
    ref: 'debian:bookworm',
    previousDigest: null,
    digest: `sha256:${n.toString(16).padStart(64, '0')}`,
    platforms: [],
    detectedBy: 'webhook',
    firstSeenAt: '2024-05-01T10:00:00Z',
  });
}

interface Child {
  /** JSON lines the child printed on stdout. */
  lines: Record<string, unknown>[];
  next(key: string): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** Runs service-sigterm-child.js against `nats`; it is killed after the test if still running. */
function spawnChild(t: TestContext, nats: TestNats, env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [CHILD], {
    env: { ...process.env, RESTACK_CHILD_NATS_URL: nats.url, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  defer(t, async () => {
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
    logger: testLogger(),
  });
  defer(t, () => bus.close());
  return bus;
}

describe('service shutdown', () => {
  it('finishes the handler in flight on SIGTERM, acks it and exits 0', TIMEOUT, async (t) => {
    const nats = await natsFor(t);
    const child = spawnChild(t, nats);
    await child.next('ready');
    const bus = await observer(t, nats);
    const event = digestChanged(7);
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
  });

  it(
    'gives up after the shutdown timeout, exits 1 and leaves the message for another replica',
    TIMEOUT,
    async (t) => {
      const nats = await natsFor(t);
      const child = spawnChild(t, nats, {
        RESTACK_CHILD_MODE: 'hang',
        RESTACK_CHILD_SHUTDOWN_MS: '1000',
      });
      await child.next('ready');
      const bus = await observer(t, nats);
      const event = digestChanged(8);
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
