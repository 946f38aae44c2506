// `npm run bench:soak`: the load pipeline at a steady rate for 10 minutes
// (RESTACK_SOAK_MINUTES), heap sampled after a forced GC. Not a test: it
// prints the series and a verdict on memory growth.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as NatsHarness from '../../test/dist/harness/nats.js';
import { LOAD_SHAPE, load } from './load.js';
import { percentile, startPipeline } from './pipeline.js';

const harness = new URL('../../test/dist/harness/', import.meta.url);

const MINUTES = Number(process.env.RESTACK_SOAK_MINUTES ?? 10);
const RATE = Number(process.env.RESTACK_SOAK_RATE ?? 100);
const SAMPLE_SECONDS = Number(process.env.RESTACK_SOAK_SAMPLE_SECONDS ?? 15);
/** Growth over the second half that still reads as flat: the larger of these. */
const FLAT_MB = 5;
const FLAT_SHARE = 0.05;

interface Sample {
  minute: number;
  events: number;
  heapMb: number;
  rssMb: number;
  p99Ms: number;
}

/** Least-squares slope of y over x. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function heapAfterGc(gc: () => void): number {
  gc();
  gc(); // a second pass collects what the first one's finalizers let go
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function main(): Promise<void> {
  const gc = globalThis.gc;
  if (!gc) {
    throw new Error(
      'the soak needs a forced GC: run it with node --expose-gc (npm run bench:soak does)',
    );
  }
  const { startNats } = (await import(new URL('nats.js', harness).href)) as typeof NatsHarness;
  const nats = await startNats();
  const dir = mkdtempSync(path.join(tmpdir(), 'restack-soak-'));
  try {
    const pipeline = await startPipeline(nats.url, dir, LOAD_SHAPE);
    try {
      console.log(
        `soak: ${MINUTES} min at ${RATE} events/s through watcher -> graph -> dispatcher ` +
          `(${LOAD_SHAPE.bases} bases x ${LOAD_SHAPE.usersPerBase} Dockerfiles), heap after forced GC every ${SAMPLE_SECONDS} s`,
      );
      await pipeline.feed({ events: 1000, inFlight: 64 }); // warm-up
      const samples: Sample[] = [];
      let events = 0;
      let unanswered = 0;
      let refused = 0;
      const t0 = performance.now();
      const end = t0 + MINUTES * 60_000;
      console.log('minute  events  heap MB  RSS MB  p99 ms  load average');
      while (performance.now() < end) {
        const r = await pipeline.feed({
          events: RATE * SAMPLE_SECONDS,
          rate: RATE,
          quietMs: 5_000,
        });
        events += r.sent;
        unanswered += r.unanswered;
        refused += r.refused;
        const s: Sample = {
          minute: (performance.now() - t0) / 60_000,
          events,
          heapMb: heapAfterGc(gc),
          rssMb: process.memoryUsage().rss / 1024 / 1024,
          p99Ms: percentile(
            [...r.latencies].sort((a, b) => a - b),
            99,
          ),
        };
        samples.push(s);
        console.log(
          `${s.minute.toFixed(2).padStart(6)}  ${String(s.events).padStart(6)}  ${s.heapMb.toFixed(1).padStart(7)}  ` +
            `${s.rssMb.toFixed(0).padStart(6)}  ${s.p99Ms.toFixed(0).padStart(6)}  ${load()}`,
        );
      }
      verdict(samples, unanswered, refused);
    } finally {
      await pipeline.close();
    }
  } finally {
    await nats.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function verdict(samples: Sample[], unanswered: number, refused: number): void {
  const second = samples.slice(Math.floor(samples.length / 2));
  const heapSlope = slope(second.map((s) => [s.minute, s.heapMb] as const));
  const rssSlope = slope(second.map((s) => [s.minute, s.rssMb] as const));
  const span = (second.at(-1)?.minute ?? 0) - (second[0]?.minute ?? 0);
  const mean = second.reduce((n, s) => n + s.heapMb, 0) / Math.max(1, second.length);
  const growth = heapSlope * span;
  const allowed = Math.max(FLAT_MB, FLAT_SHARE * mean);
  console.log(
    `soak: ${samples.at(-1)?.events ?? 0} events, ${unanswered} unanswered, ${refused} refused; ` +
      `second half: heap slope ${heapSlope.toFixed(2)} MB/min (${growth.toFixed(1)} MB over ${span.toFixed(1)} min, ` +
      `mean ${mean.toFixed(1)} MB), RSS slope ${rssSlope.toFixed(2)} MB/min`,
  );
  if (second.length < 3) {
    console.log('soak verdict: too few samples for a verdict (run longer)');
  } else if (growth <= allowed) {
    console.log(
      `soak verdict: no memory growth (heap growth ${growth.toFixed(1)} MB <= ${allowed.toFixed(1)} MB)`,
    );
  } else {
    console.log(
      `soak verdict: MEMORY GROWS (heap growth ${growth.toFixed(1)} MB > ${allowed.toFixed(1)} MB)`,
    );
    process.exitCode = 1;
  }
}

await main();
