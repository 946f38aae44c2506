// Figures for the registry watcher (issue "NATS backbone, OCI registry client
// and the registry watcher"). Not a test: it prints what one machine measures.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { connectBus, restackTopology } from '@restack/bus';
import { silentLogger } from '@restack/core';
import { createRegistryClient } from '@restack/registry';
import { WATCHER_TOPOLOGY, startWatcher } from '@restack/svc-registry-watcher';
import { signBody } from '@restack/webhooks';
import type * as ImagesHarness from '../../test/dist/harness/images.js';
import type * as NatsHarness from '../../test/dist/harness/nats.js';
import type * as RegistryHarness from '../../test/dist/harness/registry.js';

// The test harness starts real servers; the bench reuses its compiled modules.
const harness = new URL('../../test/dist/harness/', import.meta.url);
type NatsModule = typeof NatsHarness;
type RegistryModule = typeof RegistryHarness;
type ImagesModule = typeof ImagesHarness;

const TAGS = 1000;
const PUSHES = 1000;
const SECRET = 'bench-secret';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function inParallel<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** What the registry itself costs: the same HEADs without restack, for context. */
async function rawHeads(url: string, tags: string[]): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const head = (tag: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        `${url}/v2/bench/base/manifests/${tag}`,
        { method: 'HEAD', agent },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end();
    });
  const t = performance.now();
  await inParallel(tags, 32, head);
  agent.destroy();
  return performance.now() - t;
}

/** 1,000 watched tags in a local registry: one poll cycle, its requests, and webhook-to-event latency. */
export async function benchWatcher(): Promise<void> {
  const { startNats } = (await import(new URL('nats.js', harness).href)) as NatsModule;
  const { startRegistry } = (await import(new URL('registry.js', harness).href)) as RegistryModule;
  const { pushImage, putManifest } = (await import(
    new URL('images.js', harness).href
  )) as ImagesModule;
  const nats = await startNats();
  const reg = await startRegistry();
  const bus = await connectBus({
    name: 'bench-watcher',
    connection: { servers: nats.url },
    logger: silentLogger(),
  });
  const client = createRegistryClient({
    registries: {
      [reg.host]: { insecure: true, concurrency: 32, requestsPerSecond: 10_000, retries: 0 },
    },
    env: {},
  });
  try {
    await bus.ensureTopology(restackTopology({}, [WATCHER_TOPOLOGY]));
    // One image, tagged 1,000 times with distinct manifests (an annotation differs).
    const base = await pushImage(reg.url, 'bench/base', null, { layers: [{ files: { a: 'a' } }] });
    const manifestFor = (tag: string, n: number) =>
      JSON.stringify({
        ...JSON.parse(base.manifest),
        annotations: { 'org.restack.bench': `${tag}-${n}` },
      });
    const tags = Array.from({ length: TAGS }, (_, i) => `t${i}`);
    await inParallel(tags, 16, async (tag) => {
      await putManifest(reg.url, 'bench/base', tag, manifestFor(tag, 0), base.mediaType);
    });
    const refs = tags.map((tag) => `${reg.host}/bench/base:${tag}`);
    const watcher = await startWatcher({
      bus,
      registryClient: client,
      graphSource: () => refs,
      config: { webhooks: { generic: { secretEnv: 'BENCH_SECRET' } } },
      env: { BENCH_SECRET: SECRET },
      logger: silentLogger(),
      schedule: false,
      webhooks: { port: 0, host: '127.0.0.1' },
    });
    try {
      await watcher.pollOnce(); // first sight of every tag: recorded, not announced
      const floorMs = await rawHeads(reg.url, tags);
      console.log(
        `registry floor: ${TAGS} bare HEADs with plain node:http, 32 at once: ${floorMs.toFixed(0)} ms`,
      );
      const heads = client.requestCount({ method: 'HEAD' });
      const gets = client.requestCount({ method: 'GET' });
      const t = performance.now();
      const report = await watcher.pollOnce();
      const cycleMs = performance.now() - t;
      console.log(
        `watcher poll cycle, ${TAGS} unchanged tags: ${cycleMs.toFixed(0)} ms, ` +
          `${client.requestCount({ method: 'HEAD' }) - heads} HEAD, ${client.requestCount({ method: 'GET' }) - gets} GET ` +
          `(${JSON.stringify(report.outcomes)})  [target <= 2000 ms, exactly ${TAGS} HEAD, 0 GET]`,
      );

      // Webhook to event: from the POST until restack.digest.changed reaches a subscriber.
      const waiting = new Map<string, () => void>();
      const sub = bus.connection.subscribe('restack.digest.changed', {
        callback: (_err, msg) => {
          const ref = (msg.json() as { data: { ref: string } }).data.ref;
          waiting.get(ref)?.();
        },
      });
      const latencies: number[] = [];
      for (let n = 1; n <= PUSHES; n++) {
        const tag = tags[n % TAGS]!;
        const ref = `${reg.host}/bench/base:${tag}`;
        await putManifest(reg.url, 'bench/base', tag, manifestFor(tag, n), base.mediaType);
        const seen = new Promise<void>((resolve) => waiting.set(ref, resolve));
        const body = JSON.stringify({ ref });
        const start = performance.now();
        const res = await fetch(`${watcher.webhookUrl}/webhooks/generic`, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            'x-restack-signature': signBody(SECRET, body),
          },
        });
        await res.arrayBuffer();
        await seen;
        latencies.push(performance.now() - start);
        waiting.delete(ref);
      }
      sub.unsubscribe();
      latencies.sort((a, b) => a - b);
      console.log(
        `watcher webhook-to-event over ${PUSHES} pushes: p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
          `p99 ${percentile(latencies, 99).toFixed(1)} ms  [target p99 <= 100 ms]`,
      );
    } finally {
      await watcher.stop();
    }
  } finally {
    client.close();
    await bus.close();
    await reg.close();
    await nats.close();
  }
}
