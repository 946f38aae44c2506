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
const SUSTAINED_RATE = Number(process.env.RESTACK_LOAD_SUSTAINED_RATE ?? 200);
const TARGET_P99_MS = 250;

export function load(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}

/** `judged`: whether the throughput target applies (not to a run offered less than it). */
function report(label: string, r: FeedResult, peakRssMb: number, judged = true): void {
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
      `max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms; CPU of this process ${(r.cpuMs / r.sent).toFixed(2)} ms/event; peak RSS ${peakRssMb.toFixed(0)} MB; load average ${load()}`,
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

export async function benchLoad(): Promise<void> {
  const { startNats } = (await import(new URL('nats.js', harness).href)) as typeof NatsHarness;
  const nats = await startNats();
  const dir = mkdtempSync(path.join(tmpdir(), 'restack-load-'));
  try {
    const pipeline = await startPipeline(nats.url, dir, LOAD_SHAPE);
    try {
      console.log(
        `load: watcher (signed generic webhooks, handled in-process) -> graph -> dispatcher, ` +
          `${LOAD_SHAPE.bases} bases x ${LOAD_SHAPE.usersPerBase} Dockerfiles; latency = webhook in to first restack.pr.requested seen`,
      );
      await pipeline.feed({ events: 1000, inFlight: 64 }); // warm-up, not reported
      const [flat, rss1] = await withPeakRss(() => pipeline.feed({ events: EVENTS, inFlight: 64 }));
      report('as fast as it goes (64 webhooks in flight)', flat, rss1);
      const [paced, rss2] = await withPeakRss(() =>
        pipeline.feed({ events: EVENTS, rate: TARGET_RATE }),
      );
      report(`offered at ${TARGET_RATE} events/s`, paced, rss2);
      const [steady, rss3] = await withPeakRss(() =>
        pipeline.feed({ events: EVENTS, rate: SUSTAINED_RATE }),
      );
      report(`offered at ${SUSTAINED_RATE} events/s (below capacity)`, steady, rss3, false);
    } finally {
      await pipeline.close();
    }
  } finally {
    await nats.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
