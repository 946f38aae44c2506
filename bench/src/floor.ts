// The floor under the load figures: the JetStream work the pipeline does per
// event (the same round trips, streams, KV buckets and payload sizes), with
// none of restack's code. What restack spends above it is its own.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { AckPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import type * as NatsHarness from '../../test/dist/harness/nats.js';
import { percentile } from './pipeline.js';

const harness = new URL('../../test/dist/harness/', import.meta.url);
const EVENTS = Number(process.env.RESTACK_LOAD_EVENTS ?? 10_000);
const BASES = 1000;
const IN_FLIGHT = 64;
// About the size of a digest.changed, a campaign.planned, a pr.requested and a campaign record.
const PAD = 'x'.repeat(700);

/** CPU time (ms) of a process by pid, from /proc (Linux). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export async function benchFloor(): Promise<void> {
  const { startNats } = (await import(new URL('nats.js', harness).href)) as typeof NatsHarness;
  const nats = await startNats();
  const nc = await connect({ servers: nats.url, noAsyncTraces: true });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    for (const [name, subject] of [
      ['FLOOR_DIGEST', 'floor.digest'],
      ['FLOOR_PLAN', 'floor.plan'],
      ['FLOOR_REQ', 'floor.req'],
    ] as const) {
      await jsm.streams.add({ name, subjects: [subject] });
    }
    const kvm = new Kvm(nc);
    const state = await kvm.create('floor-state');
    const campaigns = await kvm.create('floor-campaigns', { history: 5 });
    await jsm.consumers.add('FLOOR_DIGEST', { durable_name: 'g', ack_policy: AckPolicy.Explicit });
    await jsm.consumers.add('FLOOR_PLAN', { durable_name: 'd', ack_policy: AckPolicy.Explicit });
    for (let b = 0; b < BASES; b++) await state.put(`b${b}`, JSON.stringify({ n: -1, PAD }));

    const started = new Map<number, number>();
    const latencies: number[] = [];
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const consume = async (stream: string, durable: string, fn: (m: JsMsg) => Promise<void>) => {
      const messages = await (
        await js.consumers.get(stream, durable)
      ).consume({
        max_messages: 256,
      });
      void (async () => {
        for await (const m of messages) void fn(m);
      })();
      return messages;
    };
    // The graph's part: digest in, plan out, ack.
    const graph = await consume('FLOOR_DIGEST', 'g', async (m) => {
      const e = m.json<{ n: number }>();
      await js.publish('floor.plan', JSON.stringify({ ...e, PAD }), { msgID: `p${e.n}` });
      m.ack();
    });
    // The dispatcher's part: plan in, campaign created, request out, outbox cleared, ack.
    const dispatcher = await consume('FLOOR_PLAN', 'd', async (m) => {
      const e = m.json<{ n: number }>();
      const key = `c${e.n}`;
      const revision = await campaigns.create(key, JSON.stringify({ e, outbox: true, PAD }));
      await js.publish('floor.req', JSON.stringify({ n: e.n, PAD }), { msgID: `r${e.n}` });
      await campaigns.update(key, JSON.stringify({ e, outbox: false, PAD }), revision);
      m.ack();
      latencies.push(performance.now() - started.get(e.n)!);
      if (latencies.length === EVENTS) finished();
    });
    // The watcher's part: read the state, publish, write the state with compare-and-set.
    const watch = async (n: number) => {
      const key = `b${n % BASES}`;
      started.set(n, performance.now());
      const current = await state.get(key);
      await js.publish('floor.digest', JSON.stringify({ n, PAD }), { msgID: `d${n}` });
      await state.update(key, JSON.stringify({ n, PAD }), current!.revision);
    };

    const server = nats.pid();
    const cpu0 = process.cpuUsage();
    const server0 = server === undefined ? NaN : processCpuMs(server);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < EVENTS) await watch(next++);
      }),
    );
    await done;
    const elapsed = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const serverMs = server === undefined ? NaN : processCpuMs(server) - server0;
    graph.stop();
    dispatcher.stop();
    latencies.sort((a, b) => a - b);
    console.log(
      `floor (the same JetStream work per event, no restack code, ${IN_FLIGHT} in flight): ` +
        `${EVENTS} events, ${Math.round((EVENTS / elapsed) * 1000)} events/s; ` +
        `client CPU ${((cpu.user + cpu.system) / 1000 / EVENTS).toFixed(3)} ms/event, ` +
        `nats-server CPU ${(serverMs / EVENTS).toFixed(3)} ms/event; ` +
        `latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
    );
  } finally {
    await nc.close();
    await nats.close();
  }
}
