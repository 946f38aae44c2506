import { readFile } from 'node:fs/promises';
import {
  connect,
  credsAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions,
} from '@nats-io/transport-node';
import { RestackError, errorMessage, type Logger } from '@restack/core';
import { skipCancelledErrors } from './request-patch.js';
import { backoffDelay, sleep } from './backoff.js';
import {
  natsConnectionSchema,
  type NatsConnectionInput,
  type NatsConnectionSettings,
} from './schema.js';

export interface NatsLink {
  readonly nc: NatsConnection;
  isConnected(): boolean;
}

export interface ConnectNatsOptions {
  /** Client name shown by the server's monitoring (`connz`). */
  name: string;
  connection?: NatsConnectionInput;
  log: Logger;
  /** Aborting stops the first-connection retry loop. */
  signal?: AbortSignal;
  /** Attempts at the first connection; later disconnects are retried forever. */
  maxInitialAttempts?: number;
}

/** Server addresses without user:password, fit for a log line. */
export function redactServers(servers: string | readonly string[]): string[] {
  return (typeof servers === 'string' ? [servers] : [...servers]).map((s) =>
    s.replace(/\/\/[^@/]*@/, '//'),
  );
}

interface LinkState {
  disconnectedAt: number | undefined;
}

async function clientOptions(
  name: string,
  c: NatsConnectionSettings,
  state: LinkState,
): Promise<NodeConnectionOptions> {
  const options: NodeConnectionOptions = {
    name,
    servers: c.servers,
    maxReconnectAttempts: -1,
    // A stack trace captured for every request cost about 8 % of the CPU under load (bench/README.md).
    noAsyncTraces: true,
    // nats.js asks before every dial; waiting half the time already spent
    // disconnected doubles the gap between attempts, capped at maxMs.
    reconnectDelayHandler: () => {
      const since = state.disconnectedAt;
      const elapsed = since === undefined ? 0 : Date.now() - since;
      return Math.min(c.reconnect.maxMs, Math.max(c.reconnect.initialMs, elapsed / 2));
    },
  };
  if (c.token) options.token = c.token;
  if (c.user) Object.assign(options, { user: c.user, pass: c.password });
  if (c.credsFile) {
    const creds = await readFile(c.credsFile).catch((cause: unknown) => {
      throw new RestackError(
        'BUS_CREDS_UNREADABLE',
        `cannot read NATS credentials: ${errorMessage(cause)}`,
        {
          cause,
          where: c.credsFile,
          fix: 'point nats.credsFile at a readable .creds file',
        },
      );
    });
    options.authenticator = credsAuthenticator(new Uint8Array(creds));
  }
  if (c.tls) options.tls = { ...c.tls };
  return options;
}

/**
 * Connects to NATS, retrying the first connection with back-off (a service
 * may start before NATS does) and reconnecting forever afterwards.
 */
export async function connectNats(options: ConnectNatsOptions): Promise<NatsLink> {
  const parsed = natsConnectionSchema.safeParse(options.connection ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RestackError(
      'BUS_CONFIG_INVALID',
      `invalid NATS settings: ${issue?.message ?? 'unknown'}`,
      {
        where: `nats.${issue?.path.join('.') ?? ''}`,
        fix: 'fix the nats section of the configuration',
      },
    );
  }
  const settings = parsed.data;
  const state: LinkState = { disconnectedAt: undefined };
  const clientOpts = await clientOptions(options.name, settings, state);
  const log = options.log.child({ servers: redactServers(settings.servers) });
  const maxAttempts = options.maxInitialAttempts ?? Number.POSITIVE_INFINITY;
  let nc: NatsConnection | undefined;
  for (let attempt = 1; nc === undefined; attempt++) {
    if (options.signal?.aborted) {
      throw new RestackError('BUS_CONNECT_ABORTED', 'stopped before NATS was reachable');
    }
    try {
      nc = await connect(clientOpts);
    } catch (cause) {
      if (attempt >= maxAttempts) {
        throw new RestackError(
          'BUS_UNREACHABLE',
          `cannot connect to NATS: ${errorMessage(cause)}`,
          {
            cause,
            where: redactServers(settings.servers).join(','),
            fix: 'start nats-server with JetStream (-js) or fix nats.servers and the credentials',
          },
        );
      }
      const wait = backoffDelay(attempt, settings.reconnect);
      log.warn({ attempt, retryInMs: wait, err: errorMessage(cause) }, 'nats connection failed');
      await sleep(wait, options.signal);
    }
  }
  if (!coalesceWrites(nc))
    log.debug({}, 'nats client internals differ; socket writes not coalesced');
  if (!skipCancelledErrors())
    log.debug({}, 'nats client internals differ; answered requests still build an error');
  let connected = true;
  const connection = nc;
  void (async () => {
    for await (const s of connection.status()) {
      if (s.type === 'disconnect') {
        connected = false;
        state.disconnectedAt = Date.now();
        log.warn({ server: s.server }, 'nats disconnected');
      } else if (s.type === 'reconnect') {
        connected = true;
        state.disconnectedAt = undefined;
        log.info({ server: s.server }, 'nats reconnected');
      } else if (s.type === 'error') {
        log.error({ err: errorMessage(s.error) }, 'nats error');
      }
    }
  })();
  void connection.closed().then(() => (connected = false));
  log.info({ server: connection.getServer(), name: options.name }, 'nats connected');
  return { nc: connection, isConnected: () => connected && !connection.isClosed() };
}

/** The parts of nats.js's protocol handler that coalesceWrites replaces (not public API). */
interface Protocol {
  outbound: { length(): number; size(): number; fill(...data: Uint8Array[]): void };
  pendingLimit: number;
  flushPending(): void;
  sendCommand(cmd: string | Uint8Array, ...payloads: Uint8Array[]): void;
}

const encoder = new TextEncoder();

/**
 * nats.js writes to the socket at the end of every microtask turn that sent
 * something: about 8 writes per event in the load bench, and a write on
 * loopback costs the whole TCP path. Flushing on setImmediate puts what one
 * event-loop turn sent into one write (under 2 per event; still at once when
 * 32 KiB are pending). Skipped if the client's internals differ.
 */
function coalesceWrites(nc: NatsConnection): boolean {
  const protocol = (nc as unknown as { protocol?: Partial<Protocol> }).protocol;
  if (
    !protocol ||
    typeof protocol.sendCommand !== 'function' ||
    typeof protocol.flushPending !== 'function' ||
    typeof protocol.pendingLimit !== 'number' ||
    typeof protocol.outbound?.fill !== 'function'
  ) {
    return false;
  }
  const p = protocol as Protocol;
  p.sendCommand = (cmd, ...payloads) => {
    const empty = p.outbound.length() === 0;
    p.outbound.fill(typeof cmd === 'string' ? encoder.encode(cmd) : cmd, ...payloads);
    if (empty) setImmediate(() => p.flushPending());
    else if (p.outbound.size() >= p.pendingLimit) p.flushPending();
  };
  return true;
}
