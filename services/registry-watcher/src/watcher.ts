import { createHash, randomUUID } from 'node:crypto';
import type { Bus, Lease, Leases } from '@restack/bus';
import { errorMessage, type Logger } from '@restack/core';
import type { RegistryClient } from '@restack/registry';
import { watchSchema, type WatchSettingsInput, type WebhookRequest } from '@restack/webhooks';
import { schedule, type ScheduledTask } from 'node-cron';
import { kvState, openDigestState, registryLookup } from './adapters.js';
import { checkReference, type CheckPorts, type CheckResult, type StoredState } from './check.js';
import type { DetectedBy } from './decide.js';
import { startWebhookServer, type WebhookHttpSettings, type WebhookReply } from './http.js';
import { registryOf, unique } from './refs.js';
import { createWebhookIntake, secretsFrom } from './webhook-intake.js';
import type { RefState } from './schema.js';
import { leaseTtlFor, runPool } from './timing.js';

export interface WatcherOptions {
  bus: Bus;
  registryClient: RegistryClient;
  /** The references to watch (graph externals and catalog tags; see watchedReferences), read at start and before every poll. */
  graphSource: () => Promise<readonly string[]> | readonly string[];
  /** The `watch:` section of restack.yaml. */
  config?: WatchSettingsInput;
  logger: Logger;
  /** Milliseconds since the epoch; tests move it to cross a settle window. Default Date.now. */
  clock?: () => number;
  /** Where webhook secrets are read from (by the names in config). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Listen for webhooks here; false for none. Default { port: 0 } when any webhook kind is configured. */
  webhooks?: WebhookHttpSettings | false;
  /** Start the cron schedule. Default true; tests drive pollOnce instead. */
  schedule?: boolean;
  /** Lookups in flight during a poll (the registry client still applies its own limits). Default 32. */
  concurrency?: number;
  /** How long the poll lease lasts without renewal. Default twice the shortest schedule interval. */
  leaseTtlMs?: number;
  /** This replica's name in the lease. Default a random id. */
  instanceId?: string;
}

export type Outcome = CheckResult['outcome'];

export interface PollReport {
  /** 'lease-held' when another replica holds the poll lease and this one looked nothing up. */
  skipped: 'lease-held' | null;
  refs: number;
  outcomes: Partial<Record<Outcome, number>>;
  events: number;
}

export interface Watcher {
  /** One full poll of every watched reference (or those on `registries`), under the lease. */
  pollOnce(options?: {
    registries?: readonly string[];
    excludeRegistries?: readonly string[];
  }): Promise<PollReport>;
  /** Checks one reference now. */
  check(ref: string, detectedBy?: DetectedBy): Promise<CheckResult>;
  /** Authenticates, parses and acts on a webhook; what the HTTP endpoint answers. */
  handleWebhook(kind: string, req: WebhookRequest): Promise<WebhookReply>;
  /** Checks every reference whose settle window has ended (a timer does this too). */
  flushSettled(): Promise<CheckResult[]>;
  state(ref: string): Promise<RefState | null>;
  /** `http://host:port` of the webhook listener, or null. */
  readonly webhookUrl: string | null;
  stop(): Promise<void>;
}

export const POLL_LEASE_KEY = 'registry-watcher.poll';

/**
 * The registry watcher: polls every watched reference on its schedule
 * (under a lease, so one replica polls), takes webhooks, and publishes
 * restack.digest.changed / restack.tag.missing. The wiring `restack up` calls.
 */
export async function startWatcher(options: WatcherOptions): Promise<Watcher> {
  const config = watchSchema.parse(options.config ?? {});
  const log = options.logger;
  const clock = options.clock ?? Date.now;
  const secrets = secretsFrom(config, options.env ?? process.env);
  const holder = options.instanceId ?? `registry-watcher-${randomUUID()}`;
  const settleMs = config.settleWindowSeconds * 1000;
  const kv = await openDigestState(options.bus);
  const leases: Leases = await options.bus.leases({ clock });
  const ports: CheckPorts = {
    lookup: registryLookup(options.registryClient),
    state: kvState(kv),
    publish: async (e) => {
      const ack = await options.bus.publish(e);
      log.info(
        { type: e.type, eventId: e.id, duplicate: ack.duplicate, ...e.data },
        'digest event published',
      );
    },
    now: () => new Date(clock()),
    settleMs,
  };
  const cache = new Map<string, StoredState>();
  const running = new Map<string, Promise<CheckResult>>();
  const settling = new Map<string, NodeJS.Timeout>();
  let watched: string[] = [];
  let lease: Lease | null = null;

  async function refresh(): Promise<string[]> {
    try {
      watched = unique(await options.graphSource());
    } catch (e) {
      log.error(
        { err: errorMessage(e) },
        'watched references could not be read; keeping the last list',
      );
    }
    return watched;
  }

  function afterCheck(r: CheckResult): void {
    const t = settling.get(r.ref);
    if (t) clearTimeout(t);
    settling.delete(r.ref);
    if (r.state.pending === null) return;
    const wait = Math.max(0, Date.parse(r.state.pending.settleUntil) - clock()) + 50;
    const by = r.state.pending.detectedBy;
    settling.set(
      r.ref,
      setTimeout(
        () =>
          void check(r.ref, by).catch((e: unknown) =>
            log.error({ ref: r.ref, err: errorMessage(e) }, 'settle check failed'),
          ),
        wait,
      ).unref(),
    );
  }

  /** One check per reference at a time in this process; replicas are kept apart by compare-and-set. */
  function check(ref: string, detectedBy: DetectedBy = 'poll'): Promise<CheckResult> {
    const before = running.get(ref) ?? Promise.resolve(null);
    const next = before
      .catch(() => null)
      .then(async () => {
        // The cached state saves a read; compare-and-set catches it being stale.
        const cached = cache.get(ref);
        const r = await checkReference({ ref, detectedBy, ...(cached ? { cached } : {}) }, ports);
        cache.set(ref, r.stored);
        afterCheck(r);
        if (r.outcome === 'failed')
          log.warn({ ref, reason: r.state.lastError?.reason }, 'digest check failed');
        return r;
      });
    running.set(ref, next);
    void next
      .finally(() => {
        if (running.get(ref) === next) running.delete(ref);
      })
      .catch(() => undefined);
    return next;
  }

  const ttl =
    options.leaseTtlMs ??
    leaseTtlFor([config.schedule, ...Object.values(config.registries).map((r) => r.schedule)]);
  let leaseOp: Promise<boolean> = Promise.resolve(false);
  /** Acquires or renews the poll lease; serialised so that this replica never races itself. */
  function holdLease(): Promise<boolean> {
    leaseOp = leaseOp
      .catch(() => false)
      .then(async () => {
        lease = lease
          ? ((await leases.renew(lease, ttl)) ??
            (await leases.acquire(POLL_LEASE_KEY, holder, ttl)))
          : await leases.acquire(POLL_LEASE_KEY, holder, ttl);
        return lease !== null;
      });
    return leaseOp;
  }

  async function pollOnce(
    opts: { registries?: readonly string[]; excludeRegistries?: readonly string[] } = {},
  ): Promise<PollReport> {
    if (!(await holdLease())) return { skipped: 'lease-held', refs: 0, outcomes: {}, events: 0 };
    const refs = (await refresh()).filter((r) => {
      const host = registryOf(r);
      if (opts.registries && !opts.registries.includes(host)) return false;
      return !opts.excludeRegistries?.includes(host);
    });
    const outcomes: Partial<Record<Outcome, number>> = {};
    let events = 0;
    await runPool(refs, options.concurrency ?? 32, async (ref) => {
      const r = await check(ref, 'poll').catch((e: unknown) => {
        log.error({ ref, err: errorMessage(e) }, 'digest check could not be recorded');
        return null;
      });
      if (!r) return;
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      events += r.events.length;
    });
    log.info({ refs: refs.length, outcomes, events }, 'poll finished');
    return { skipped: null, refs: refs.length, outcomes, events };
  }

  const intake = createWebhookIntake({
    secrets,
    log,
    check,
    watched: async () => (watched.length === 0 ? refresh() : watched),
  });
  const handleWebhook = intake.handle;

  async function flushSettled(): Promise<CheckResult[]> {
    const due: string[] = [];
    for (const [ref, stored] of cache) {
      const p = stored.value.pending;
      if (p && Date.parse(p.settleUntil) <= clock()) due.push(ref);
    }
    return Promise.all(
      due.map((ref) => check(ref, cache.get(ref)?.value.pending?.detectedBy ?? 'poll')),
    );
  }

  await refresh();
  const server =
    options.webhooks === false ||
    (options.webhooks === undefined && Object.keys(secrets).length === 0)
      ? null
      : await startWebhookServer(options.webhooks ?? { port: 0 }, handleWebhook, log);
  const tasks: ScheduledTask[] = [];
  if (options.schedule ?? true) {
    const overridden = Object.keys(config.registries);
    const run = (what: Parameters<typeof pollOnce>[0]) => () =>
      pollOnce(what).catch((e: unknown) => log.error({ err: errorMessage(e) }, 'poll failed'));
    tasks.push(
      schedule(config.schedule, run({ excludeRegistries: overridden }), {
        name: 'registry-watcher',
        noOverlap: true,
      }),
    );
    for (const [host, s] of Object.entries(config.registries)) {
      const name = `registry-watcher-${createHash('sha1').update(host).digest('hex').slice(0, 8)}`;
      tasks.push(schedule(s.schedule, run({ registries: [host] }), { name, noOverlap: true }));
    }
  }
  log.info(
    {
      refs: watched.length,
      schedule: config.schedule,
      settleWindowSeconds: config.settleWindowSeconds,
      webhooks: Object.keys(secrets),
    },
    'registry watcher started',
  );

  return {
    pollOnce,
    check: (ref, by = 'poll') => check(ref, by),
    handleWebhook,
    flushSettled,
    state: async (ref) => (await ports.state.read(ref))?.value ?? null,
    webhookUrl: server?.url ?? null,
    async stop() {
      intake.stop();
      await Promise.allSettled(tasks.map(async (t) => t.destroy()));
      for (const t of settling.values()) clearTimeout(t);
      settling.clear();
      await server?.close();
      await Promise.allSettled([...running.values()]);
      if (lease) await leases.release(lease).catch(() => false);
      lease = null;
      log.info({}, 'registry watcher stopped');
    },
  };
}
