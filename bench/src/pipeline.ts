// The watcher, graph and dispatcher in one runtime over a real nats-server,
// fed by signed webhooks: what the load bench and the soak both drive.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { connectBus } from '@restack/bus';
import { createLogger, silentLogger } from '@restack/core';
import type { RegistryClient } from '@restack/registry';
import { startRuntime, type Runtime } from '@restack/service';
import { registryWatcherService } from '@restack/svc-registry-watcher';
import { signBody } from '@restack/webhooks';
import { Worker } from 'node:worker_threads';
import { DOWNSTREAM, downstreamService } from './services.js';

const SECRET = 'bench-secret';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

export interface PipelineShape {
  /** External base images, each watched. */
  bases: number;
  /** Dockerfiles built FROM each base. */
  usersPerBase: number;
}

/** Many bases, each used by a few Dockerfiles spread over 100 repositories. */
function writeOrg(dir: string, shape: PipelineShape): { config: string; refs: string[] } {
  const refs: string[] = [];
  for (let b = 0; b < shape.bases; b++) {
    const ref = `registry.example.com/base/b${b}:1`;
    refs.push(ref);
    for (let u = 0; u < shape.usersPerBase; u++) {
      const rel = `repos/r${b % 100}/svc${b}-${u}/Dockerfile`;
      mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), `FROM ${ref}\nRUN echo ${u}\n`);
    }
  }
  const config = path.join(dir, 'restack.yaml');
  writeFileSync(config, 'sources:\n  - path: ./repos\n');
  return { config, refs };
}

/** A manifest body and its digest, as a registry would store them. */
interface Manifest {
  digest: string;
  body: Buffer;
}

function manifestFor(ref: string, n: number): Manifest {
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY, size: 2 },
      layers: [],
      annotations: { 'org.restack.bench': `${ref}#${n}` },
    }),
  );
  return { digest: `sha256:${createHash('sha256').update(body).digest('hex')}`, body };
}

/** Each tag's manifest, and the same manifests by digest (a scan per lookup would be the bench's own cost). */
interface Table {
  byRef: Map<string, Manifest>;
  byDigest: Map<string, Manifest>;
}

function setTag(table: Table, ref: string, m: Manifest): void {
  const before = table.byRef.get(ref);
  if (before) table.byDigest.delete(before.digest);
  table.byRef.set(ref, m);
  table.byDigest.set(m.digest, m);
}

/**
 * The registry as a table: the watcher's HEAD and its GET by digest are
 * answered from memory, so the figures are restack's and not the
 * registry's (the watcher bench measures a real registry).
 */
function tableRegistry(tags: Table): RegistryClient {
  const unused = (): never => {
    throw new Error('not used by the load bench');
  };
  const byDigest = (digest: string) => tags.byDigest.get(digest);
  return {
    resolve(ref) {
      const text = String(ref);
      const m = tags.byRef.get(text);
      return Promise.resolve(
        m
          ? {
              ok: true,
              value: { ref: text, digest: m.digest, mediaType: MANIFEST, platforms: null },
            }
          : { ok: false, kind: 'missing', reason: `${text} is not in the table`, status: 404 },
      ) as ReturnType<RegistryClient['resolve']>;
    },
    fetchManifest(ref) {
      const digest = String(ref).split('@')[1] ?? '';
      const m = byDigest(digest);
      return Promise.resolve(
        m
          ? {
              ok: true,
              value: {
                digest,
                mediaType: MANIFEST,
                body: m.body,
                json: JSON.parse(m.body.toString()),
              },
            }
          : { ok: false, kind: 'missing', reason: `${digest} is not in the table`, status: 404 },
      ) as ReturnType<RegistryClient['fetchManifest']>;
    },
    imageConfig: unused,
    listTags: unused,
    putManifest: unused,
    mountBlob: unused,
    blobExists: unused,
    requestCounts: () => [],
    requestCount: () => 0,
    close: () => undefined,
  };
}

export interface FeedResult {
  sent: number;
  /** Entry to the first request published, per event that got one (ms, unsorted). */
  latencies: number[];
  /** From the first entry to the last request seen. */
  elapsedMs: number;
  /** Webhooks not answered 202 with the reference changed. */
  refused: number;
  /** Events whose campaign published no request in time (superseded first, or lost). */
  unanswered: number;
  /** CPU time of this process (watcher, graph, dispatcher and the feeding) over the run. */
  cpuMs: number;
  /** NATS messages the services' connection sent and received over the run. */
  messagesOut: number;
  messagesIn: number;
  /** Bytes the services' connection sent and received over the run. */
  bytesOut: number;
  bytesIn: number;
  /** write() system calls of this process over the run (NaN where /proc/self/io is not there). */
  writeCalls: number;
}

/** This process's write system calls so far, from Linux's /proc/self/io; NaN elsewhere. */
function writeCalls(): number {
  try {
    return Number(/^syscw: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

export interface FeedOptions {
  events: number;
  /** Offered rate in events/s; undefined: as fast as the watcher takes them (`inFlight` at once). */
  rate?: number;
  inFlight?: number;
  /** Give up waiting for requests this long after the last one arrived. */
  quietMs?: number;
}

export interface Pipeline {
  refs: readonly string[];
  feed(options: FeedOptions): Promise<FeedResult>;
  runtime: Runtime;
  close(): Promise<void>;
}

/** A thread running one downstream service; resolves once it is ready. */
async function serviceThread(role: string, natsUrl: string, config: string): Promise<Worker> {
  const worker = new Worker(new URL('./service-thread.js', import.meta.url), {
    workerData: { role, natsUrl, config },
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${role} thread exited with ${code}`)));
  });
  return worker;
}

async function stopThread(worker: Worker): Promise<void> {
  const stopped = new Promise((resolve) => worker.once('message', resolve));
  worker.postMessage('stop');
  await stopped;
  await worker.terminate();
}

export interface PipelineOptions {
  /**
   * The graph service and the dispatcher each in a thread of its own, with its
   * own connection, as deployed (one process per service); else all three
   * share this thread and one connection.
   */
  threads?: boolean;
}

export async function startPipeline(
  natsUrl: string,
  dir: string,
  shape: PipelineShape,
  options: PipelineOptions = {},
): Promise<Pipeline> {
  const { config, refs } = writeOrg(dir, shape);
  const table: Table = { byRef: new Map(), byDigest: new Map() };
  let generation = 0;
  for (const ref of refs) setTag(table, ref, manifestFor(ref, generation++));

  const watcher = registryWatcherService({
    registryClient: tableRegistry(table),
    graphSource: () => refs,
    config: { webhooks: { generic: { secretEnv: 'BENCH_SECRET' } } },
    env: { BENCH_SECRET: SECRET },
    schedule: false,
    webhooks: false,
  });
  const threads = options.threads
    ? await Promise.all(DOWNSTREAM.map((role) => serviceThread(role, natsUrl, config)))
    : [];
  const runtime = await startRuntime({
    name: 'bench-load',
    services: [
      watcher,
      ...(options.threads
        ? []
        : await Promise.all(DOWNSTREAM.map((role) => downstreamService(role, config)))),
    ],
    nats: { servers: natsUrl },
    // RESTACK_LOG_LEVEL=warn shows what the services complain about.
    logger: process.env.RESTACK_LOG_LEVEL ? createLogger({ name: 'bench-load' }) : silentLogger(),
    handleSignals: false,
  });
  await runtime.ready;
  const running = watcher.watcher;
  if (!running) throw new Error('the watcher did not start');
  const first = await running.pollOnce(); // first sight of every base: recorded, not announced
  if (first.refs !== refs.length) throw new Error(`watcher polled ${first.refs} of ${refs.length}`);

  // Requests are observed on their own connection, as any subscriber would see them.
  const observer = await connectBus({
    name: 'bench-observer',
    connection: { servers: natsUrl },
    logger: silentLogger(),
  });
  const started = new Map<string, number>();
  const latencies: number[] = [];
  let lastRequest = 0;
  const sub = observer.connection.subscribe('restack.pr.requested', {
    callback: (_err, msg) => {
      const digest = (msg.json() as { data: { toDigest: string } }).data.toDigest;
      const t0 = started.get(digest);
      if (t0 === undefined) return;
      started.delete(digest);
      lastRequest = performance.now();
      latencies.push(lastRequest - t0);
    },
  });

  async function send(ref: string): Promise<boolean> {
    const manifest = manifestFor(ref, generation++);
    const digest = manifest.digest;
    setTag(table, ref, manifest);
    const body = Buffer.from(JSON.stringify({ ref }));
    started.set(digest, performance.now());
    const reply = await running!.handleWebhook('generic', {
      headers: {
        'content-type': 'application/json',
        'x-restack-signature': signBody(SECRET, body),
      },
      body,
    });
    const changed = (reply.body as { changed?: string[] }).changed ?? [];
    return reply.status === 202 && changed.includes(ref);
  }

  async function feed(options: FeedOptions): Promise<FeedResult> {
    latencies.length = 0;
    started.clear();
    let refused = 0;
    let next = 0;
    const cpu0 = process.cpuUsage();
    const writes0 = writeCalls();
    const stats0 = runtime.bus()!.connection.stats();
    const t0 = performance.now();
    const one = async (n: number) => {
      if (!(await send(refs[n % refs.length]!))) refused++;
    };
    if (options.rate) {
      // Open loop: event n enters at t0 + n/rate whatever happened to the ones before.
      const pending: Promise<void>[] = [];
      while (next < options.events) {
        const due = t0 + (next * 1000) / options.rate;
        // Always yield, so that the services in this process get the CPU between sends.
        await new Promise((r) => setTimeout(r, Math.max(1, due - performance.now())));
        while (next < options.events && t0 + (next * 1000) / options.rate <= performance.now()) {
          pending.push(one(next++));
        }
      }
      await Promise.all(pending);
    } else {
      const limit = options.inFlight ?? 64;
      await Promise.all(
        Array.from({ length: limit }, async () => {
          while (next < options.events) await one(next++);
        }),
      );
    }
    // Wait until every request is in, or nothing arrived for `quietMs`.
    const quiet = options.quietMs ?? 10_000;
    const fed = performance.now();
    while (started.size > 0 && performance.now() - Math.max(lastRequest, fed) < quiet) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const unanswered = started.size;
    started.clear();
    return {
      sent: options.events,
      latencies: [...latencies],
      elapsedMs: Math.max(lastRequest, fed) - t0,
      refused,
      unanswered,
      cpuMs: (({ user, system }) => (user + system) / 1000)(process.cpuUsage(cpu0)),
      writeCalls: writeCalls() - writes0,
      ...(({ outMsgs, inMsgs, outBytes, inBytes }) => ({
        messagesOut: outMsgs - stats0.outMsgs,
        messagesIn: inMsgs - stats0.inMsgs,
        bytesOut: outBytes - stats0.outBytes,
        bytesIn: inBytes - stats0.inBytes,
      }))(runtime.bus()!.connection.stats()),
    };
  }

  return {
    refs,
    feed,
    runtime,
    async close() {
      sub.unsubscribe();
      await observer.close();
      await runtime.stop('bench done');
      await Promise.all(threads.map(stopThread));
    },
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
