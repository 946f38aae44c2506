// Load (issue "Proof under faults and load"): 10,000 digest events through
// the watcher, graph and dispatcher on one machine. Not a test: it prints.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type * as NatsHarness from '../../test/dist/harness/nats.js';
import { percentile, startPipeline, type FeedResult } from './pipeline.js';

const harness = new URL('../../test/dist/harness/', import.meta.url);

export const LOAD_SHAPE = { bases: 1000, usersPerBase: 3 };
// RESTACK_LOAD_EVENTS: fewer for a quick look (the requirement is 10,000).
const EVENTS = Number(process.env.RESTACK_LOAD_EVENTS ?? 10_000);
const TARGET_RATE = 2000;
// A rate this machine sustains (RESTACK_LOAD_SUSTAINED_RATE): the latency without a queue.
const SUSTAINED_RATE = Number(process.env.RESTACK_LOAD_SUSTAINED_RATE ?? 400);
const TARGET_P99_MS = 250;

export function load(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}

/**
 * `threads`: the services' messages are counted on the watcher's connection
 * only, so they are not printed. `judged`: whether the throughput target
 * applies (not to a run offered less than it).
 */
function report(
  label: string,
  r: FeedResult,
  peakRssMb: number,
  threads: boolean,
  judged = true,
): void {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  const rate = (r.latencies.length / r.elapsedMs) * 1000;
  const p99 = percentile(sorted, 99);
  const verdict = judged
    ? ` [target >= ${TARGET_RATE}: ${rate >= TARGET_RATE ? 'met' : 'MISSED'}]`
    : ' (the rate offered)';
  console.log(
    `load ${label}: ${r.sent} events, ${r.latencies.length} requested, ${r.unanswered} unanswered, ${r.refused} refused; ` +
      `${Math.round(rate)} events/s${verdict}; ` +
      `latency p50 ${percentile(sorted, 50).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms, ` +
      `p99 ${p99.toFixed(1)} ms [target <= ${TARGET_P99_MS}: ${p99 <= TARGET_P99_MS ? 'met' : 'MISSED'}], ` +
      `max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms; CPU of this process ${(r.cpuMs / r.sent).toFixed(2)} ms/event; ` +
      (threads
        ? ''
        : `NATS messages per event ${(r.messagesOut / r.sent).toFixed(1)} out, ${(r.messagesIn / r.sent).toFixed(1)} in ` +
          `(${Math.round(r.bytesOut / r.sent)} and ${Math.round(r.bytesIn / r.sent)} bytes), ` +
          `${(r.writeCalls / r.sent).toFixed(2)} write calls; `) +
      `peak RSS ${peakRssMb.toFixed(0)} MB; load average ${load()}`,
  );
}

/** Samples RSS while `work` runs. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<[T, number]> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  try {
    const out = await work();
    return [out, Math.max(peak, process.memoryUsage().rss) / 1024 / 1024];
  } finally {
    clearInterval(timer);
  }
}

/**
 * The three runs on one pipeline: in one thread over one connection, or
 * (`threads`) with the graph service and the dispatcher each in a thread of
 * its own, as deployed.
 */
async function runs(natsUrl: string, threads: boolean): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'restack-load-'));
  const pipeline = await startPipeline(natsUrl, dir, LOAD_SHAPE, { threads });
  const mode = threads ? 'threads' : 'one thread';
  try {
    console.log(
      `load (${mode}): watcher (signed generic webhooks, handled in-process) -> graph -> dispatcher, ` +
        (threads
          ? 'the graph service and the dispatcher each in its own thread with its own connection, '
          : 'all three in this thread over one connection, ') +
        `${LOAD_SHAPE.bases} bases x ${LOAD_SHAPE.usersPerBase} Dockerfiles; latency = webhook in to first restack.pr.requested seen`,
    );
    await pipeline.feed({ events: 1000, inFlight: 64 }); // warm-up, not reported
    const [flat, rss1] = await withPeakRss(() => pipeline.feed({ events: EVENTS, inFlight: 64 }));
    report(`${mode}, as fast as it goes (64 webhooks in flight)`, flat, rss1, threads);
    // RESTACK_LOAD_QUICK=1: only this run (a quick look while working on the figures).
    if (process.env.RESTACK_LOAD_QUICK) return;
    const [paced, rss2] = await withPeakRss(() =>
      pipeline.feed({ events: EVENTS, rate: TARGET_RATE }),
    );
    report(`${mode}, offered at ${TARGET_RATE} events/s`, paced, rss2, threads);
    const [steady, rss3] = await withPeakRss(() =>
      pipeline.feed({ events: EVENTS, rate: SUSTAINED_RATE }),
    );
    report(
      `${mode}, offered at ${SUSTAINED_RATE} events/s (below capacity)`,
      steady,
      rss3,
      threads,
      false,
    );
  } finally {
    await pipeline.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** RESTACK_LOAD_MODE=one-thread or threads runs only that pipeline; both by default. */
export async function benchLoad(): Promise<void> {
  const { startNats } = (await import(new URL('nats.js', harness).href)) as typeof NatsHarness;
  const only = process.env.RESTACK_LOAD_MODE;
  for (const threads of [false, true]) {
    if (only === (threads ? 'one-thread' : 'threads')) continue;
    // A server of its own: the same digests move again, and a used one would see them as known.
    const nats = await startNats();
    try {
      await runs(nats.url, threads);
    } finally {
      await nats.close();
    }
  }
}
