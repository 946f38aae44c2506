import type { BusObserver, ConsumerState } from '@restack/bus';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServiceMetrics {
  readonly registry: Registry;
  /** Give this to connectBus so publishes, deliveries and dead letters are counted. */
  readonly observer: BusObserver;
  /** Report these consumers' lag (JetStream num_pending) at every scrape. */
  trackConsumers(
    durables: readonly string[],
    state: (durable: string) => Promise<ConsumerState>,
  ): void;
}

/** How long a scrape waits for NATS before leaving the lag out. */
const LAG_TIMEOUT_MS = 2_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A private registry (so several runtimes can live in one test process)
 * with Node's default metrics and restack's counters.
 */
export function createMetrics(): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const eventsIn = new Counter({
    name: 'restack_events_in_total',
    help: 'Events delivered to a consumer, redeliveries included',
    labelNames: ['type', 'consumer'],
    registers,
  });
  const eventsOut = new Counter({
    name: 'restack_events_out_total',
    help: 'Events published and stored by JetStream',
    labelNames: ['type'],
    registers,
  });
  const failures = new Counter({
    name: 'restack_handler_failures_total',
    help: 'Handler attempts that threw',
    labelNames: ['type', 'consumer'],
    registers,
  });
  const deadLetters = new Counter({
    name: 'restack_dead_letters_total',
    help: 'Messages given up on and stored on a dead-letter subject',
    labelNames: ['type', 'consumer', 'reason'],
    registers,
  });
  const tracked: {
    durables: readonly string[];
    state: (durable: string) => Promise<ConsumerState>;
  }[] = [];
  new Gauge({
    name: 'restack_consumer_pending',
    help: 'Messages a consumer has not received yet (JetStream num_pending)',
    labelNames: ['consumer'],
    registers,
    async collect() {
      // Reset so a consumer NATS cannot report on disappears instead of showing a stale lag.
      this.reset();
      const reads = tracked.flatMap((t) =>
        t.durables.map(async (consumer) => {
          const s = await withTimeout(t.state(consumer), LAG_TIMEOUT_MS);
          this.set({ consumer }, s.pending);
        }),
      );
      await Promise.allSettled(reads);
    },
  });
  return {
    registry,
    observer: {
      published: (type) => eventsOut.inc({ type }),
      received: (type, consumer) => eventsIn.inc({ type, consumer }),
      handlerFailed: (type, consumer) => failures.inc({ type, consumer }),
      deadLettered: (type, consumer, reason) => deadLetters.inc({ type, consumer, reason }),
    },
    trackConsumers(durables, state) {
      tracked.push({ durables, state });
    },
  };
}
