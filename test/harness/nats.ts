import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  connectBus,
  findNatsServer,
  restackTopology,
  type Bus,
  type TopologyPart,
} from '@restack/bus';
import { createLogger, silentLogger, type Logger } from '@restack/core';
import { freePort } from './free-port.js';

export interface TestNats {
  /** `nats://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** JetStream's store; it survives stop, kill and restart. */
  dataDir: string;
  /** The server's recent log lines, for failure messages. */
  logs(): string;
  /** The running server's process id (for CPU figures), undefined while stopped. */
  pid(): number | undefined;
  /** Graceful stop (SIGTERM). */
  stop(): Promise<void>;
  /** Crash (SIGKILL): nothing is flushed or said goodbye to. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data folder after stop or kill. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops it and removes its temporary folder. */
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const LOG_LINES = 200;

/** The nats-server binary, or an error that says how to install it. */
export function natsServerBinary(): string {
  return findNatsServer();
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts nats-server with JetStream on a free port and its own temporary
 * store, and waits until it says it is ready and accepts connections.
 */
export async function startNats(): Promise<TestNats> {
  const binary = natsServerBinary();
  const dir = await mkdtemp(join(tmpdir(), 'restack-nats-'));
  const dataDir = join(dir, 'jetstream');
  const port = await freePort();
  const lines: string[] = [];
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    if (child) return;
    const proc = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let ready = false;
    let exited = false;
    let spawnError: Error | undefined;
    const keep = (b: Buffer): void => {
      const text = b.toString('utf8');
      if (text.includes('Server is ready')) ready = true;
      lines.push(...text.split('\n').filter((l) => l !== ''));
      lines.splice(0, Math.max(0, lines.length - LOG_LINES));
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.once('error', (e) => (spawnError = e));
    proc.once('exit', () => {
      exited = true;
      if (child === proc) child = null;
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (spawnError) throw new Error(`cannot run ${binary}: ${spawnError.message}`);
      if (exited) throw new Error(`nats-server exited at start:\n${lines.join('\n')}`);
      if (ready && (await accepts(port))) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    await halt('SIGKILL');
    throw new Error(
      `nats-server was not ready on port ${port} within ${READY_TIMEOUT_MS} ms:\n${lines.join('\n')}`,
    );
  }

  async function halt(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
      child = null;
      return;
    }
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    child = null;
  }

  try {
    await start();
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dataDir,
    logs: () => lines.join('\n'),
    pid: () => (child as ChildProcess | null)?.pid,
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    start,
    restart: async () => {
      await halt('SIGTERM');
      await start();
    },
    close: async () => {
      await halt('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Polls `check` until it returns something other than undefined, null or false, or
 * fails after `timeoutMs` with `what` in the message. For state that changes
 * asynchronously; it asserts an outcome, never how long it took.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      // null is "not there yet" too: a field read off a record that exists but is not filled in.
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : '';
      throw new Error(`timed out waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Silent unless RESTACK_TEST_LOG names a level (debug, info, ...). */
export function testLogger(): Logger {
  const level = process.env.RESTACK_TEST_LOG;
  return level ? createLogger({ level }) : silentLogger();
}

const stacks = new WeakMap<TestContext, (() => unknown)[]>();

/**
 * Runs `fn` after the test, the last registered first (t.after runs hooks in
 * registration order), so a bus closes before the server it talks to.
 */
export function defer(t: TestContext, fn: () => unknown): void {
  let stack = stacks.get(t);
  if (!stack) {
    const created: (() => unknown)[] = [];
    stacks.set(t, created);
    t.after(async () => {
      for (let f = created.pop(); f; f = created.pop()) await f();
    });
    stack = created;
  }
  stack.push(fn);
}

/** A nats-server of its own for one test, closed after it. */
export async function natsFor(t: TestContext): Promise<TestNats> {
  const nats = await startNats();
  defer(t, () => nats.close());
  return nats;
}

export interface BusFixture {
  nats: TestNats;
  /** Connected, with the topology in place. */
  bus: Bus;
  /** Another connection, as another replica or process would have. */
  open(name: string): Promise<Bus>;
}

/** A fresh nats-server, restack's topology with `parts`, and a bus; closed after the test. */
export async function busFixture(
  t: TestContext,
  parts: readonly TopologyPart[] = [],
): Promise<BusFixture> {
  const nats = await natsFor(t);
  const open = async (name: string): Promise<Bus> => {
    const b = await connectBus({
      name,
      connection: { servers: nats.url },
      logger: testLogger(),
      pullExpiresMs: 1_000,
    });
    defer(t, () => b.close());
    return b;
  };
  const bus = await open('test');
  await bus.ensureTopology(restackTopology({}, parts));
  return { nats, bus, open };
}
