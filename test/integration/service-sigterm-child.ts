/**
 * A one-service process for service-runner.test.ts: it prints what it does
 * as JSON lines on stdout, and its handler is in flight when the test sends
 * SIGTERM. Run without RESTACK_CHILD_NATS_URL (a test runner globbing test/)
 * it does nothing.
 */
import { pathToFileURL } from 'node:url';
import type { ConsumerSpec, TypedKv } from '@restack/bus';
import { createLogger } from '@restack/core';
import { defineService, on, startService } from '@restack/service';
import { z } from 'zod';

export const childConsumer = {
  durable: 'sigterm-child',
  subjects: ['restack.digest.changed'],
  ackWaitMs: 1_000,
} satisfies ConsumerSpec<'restack.digest.changed'>;

export const EFFECTS_BUCKET = 'sigterm-effects';
export const effectSchema = z.object({ eventId: z.string(), finishedAfterStop: z.boolean() });
type Effects = TypedKv<z.infer<typeof effectSchema>>;

function say(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(url: string): Promise<void> {
  // finish: the handler completes once the stop begins; hang: it never does.
  const mode = process.env.RESTACK_CHILD_MODE === 'hang' ? 'hang' : 'finish';
  const service = defineService<Effects>({
    name: 'sigterm-child',
    buckets: [{ name: EFFECTS_BUCKET }],
    setup: (ctx) => ctx.bus.kv(EFFECTS_BUCKET, effectSchema),
    handlers: [
      on(childConsumer, async (event, ctx, effects: Effects) => {
        say({ handling: event.id });
        if (mode === 'hang') await new Promise(() => undefined);
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        // The effect is made durable after SIGTERM arrived; only then may the bus ack.
        await effects.put(event.id, { eventId: event.id, finishedAfterStop: ctx.signal.aborted });
        say({ finished: event.id });
      }),
    ],
  });
  const runtime = await startService(service, {
    nats: { servers: url },
    http: { port: 0, host: '127.0.0.1' },
    shutdownTimeoutMs: Number(process.env.RESTACK_CHILD_SHUTDOWN_MS ?? 10_000),
    pullExpiresMs: 1_000,
    logger: createLogger({ name: 'sigterm-child', level: process.env.RESTACK_TEST_LOG ?? 'fatal' }),
  });
  await runtime.ready;
  say({ ready: runtime.http()?.port });
}

const url = process.env.RESTACK_CHILD_NATS_URL;
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && url) {
  main(url).catch((e: unknown) => {
    process.stderr.write(`child failed: ${String(e)}\n`);
    process.exit(2);
  });
}
