// Shared set-up for the watcher-*.test.ts files: real NATS, a real registry, the watcher.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { EVENTS_STREAM, connectBus, restackTopology, type Bus } from '@restack/bus';
import { silentLogger } from '@restack/core';
import type { EventOf, EventType, RestackEvent } from '@restack/events';
import {
  createRegistryClient,
  type RegistryClient,
  type RegistrySettings,
} from '@restack/registry';
import {
  WATCHER_TOPOLOGY,
  startWatcher,
  type Watcher,
  type WatcherOptions,
} from '@restack/svc-registry-watcher';
import { startNats, type TestNats } from '../harness/nats.js';

export const T0 = Date.parse('2026-03-01T12:00:00Z');

/** A clock the test moves by hand, so nothing depends on wall time. */
export function manualClock(start = T0): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export interface Backbone {
  nats: TestNats;
  bus: Bus;
  /** Every event the RESTACK stream stored, in order (duplicates JetStream dropped are not there). */
  events(): Promise<RestackEvent[]>;
  events<T extends EventType>(type: T): Promise<EventOf<T>[]>;
}

export async function backbone(t: TestContext): Promise<Backbone> {
  const nats = await startNats();
  const bus = await connectBus({
    name: 'watcher-test',
    connection: { servers: nats.url },
    logger: silentLogger(),
  });
  t.after(async () => {
    await bus.close().catch(() => undefined);
    await nats.close();
  });
  await bus.ensureTopology(restackTopology({}, [WATCHER_TOPOLOGY]));
  return {
    nats,
    bus,
    async events(type?: EventType) {
      const jsm = await jetstreamManager(bus.connection);
      const info = await jsm.streams.info(EVENTS_STREAM);
      const out: RestackEvent[] = [];
      for (
        let seq = info.state.first_seq;
        seq <= info.state.last_seq && info.state.messages > 0;
        seq++
      ) {
        const m = await jsm.streams.getMessage(EVENTS_STREAM, { seq }).catch(() => null);
        if (m) out.push(m.json<RestackEvent>());
      }
      return (type ? out.filter((e) => e.type === type) : out) as never;
    },
  };
}

export async function registryClient(
  t: TestContext,
  hosts: string[],
  settings: RegistrySettings = {},
  auth?: { host: string; user: string; password: string },
): Promise<RegistryClient> {
  const dir = await mkdtemp(join(tmpdir(), 'restack-watcher-docker-'));
  const auths = auth
    ? { [auth.host]: { auth: Buffer.from(`${auth.user}:${auth.password}`).toString('base64') } }
    : {};
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths }));
  const client = createRegistryClient({
    registries: Object.fromEntries(
      hosts.map((h) => [h, { insecure: true, retries: 1, ...settings }]),
    ),
    env: { DOCKER_CONFIG: dir },
  });
  t.after(async () => {
    client.close();
    await rm(dir, { recursive: true, force: true });
  });
  return client;
}

/** Starts a watcher with no schedule (tests call pollOnce) and stops it after the test. */
export async function watcher(
  t: TestContext,
  options: Partial<WatcherOptions> & Pick<WatcherOptions, 'bus' | 'registryClient' | 'graphSource'>,
): Promise<Watcher> {
  const w = await startWatcher({
    logger: silentLogger(),
    schedule: false,
    webhooks: false,
    ...options,
  });
  t.after(() => w.stop());
  return w;
}
