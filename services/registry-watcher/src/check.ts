import { createEvent, stableEventId, type RestackEvent } from '@restack/events';
import { decide, needsPlatforms, type DetectedBy, type Fact, type Observation } from './decide.js';
import type { RefState } from './schema.js';

export interface StoredState {
  value: RefState;
  revision: number;
}

/** Digest state per reference, written with compare-and-set. */
export interface StatePort {
  read(ref: string): Promise<StoredState | null>;
  /** The new revision, or 'conflict' when someone wrote since `revision` (null: create). */
  write(ref: string, value: RefState, revision: number | null): Promise<number | 'conflict'>;
}

/** The registry, reduced to what the watcher asks it. */
export interface LookupPort {
  /** One HEAD: the tag's digest and media type, missing, or why it could not be found out. */
  digest(ref: string): Promise<Observation>;
  /** Per-platform digests of an index (null for a single manifest), or why they could not be read. */
  platforms(
    ref: string,
    digest: string,
    mediaType: string | null,
  ): Promise<
    | { ok: true; platforms: Record<string, string> | null }
    | { ok: false; kind: string; reason: string }
  >;
}

export interface CheckPorts {
  lookup: LookupPort;
  state: StatePort;
  /** Publishes with the event id as Nats-Msg-Id; a republish inside the duplicate window is dropped. */
  publish(event: RestackEvent): Promise<void>;
  now(): Date;
  settleMs: number;
}

export interface CheckResult {
  ref: string;
  outcome: 'first-seen' | 'unchanged' | 'changed' | 'pending' | 'missing' | 'failed';
  events: RestackEvent[];
  state: RefState;
}

const MAX_ATTEMPTS = 8;

/** The id a fact always gets, so that a webhook, a poll and a restart all name it the same. */
export function eventIdOf(fact: Fact): string {
  return fact.type === 'restack.digest.changed'
    ? stableEventId(fact.type, fact.data.ref, fact.data.previousDigest, fact.data.digest)
    : stableEventId(fact.type, fact.data.ref, fact.data.previousDigest);
}

function toEvent(fact: Fact, now: Date): RestackEvent {
  const options = { id: eventIdOf(fact), occurredAt: now };
  return fact.type === 'restack.digest.changed'
    ? createEvent(fact.type, fact.data, options)
    : createEvent(fact.type, fact.data, options);
}

function outcomeOf(
  before: RefState | null,
  after: RefState,
  facts: Fact[],
): CheckResult['outcome'] {
  if (facts.some((f) => f.type === 'restack.digest.changed')) return 'changed';
  if (after.missing) return 'missing';
  if (after.lastError !== null) return 'failed';
  if (after.pending !== null) return 'pending';
  return before?.digest == null ? 'first-seen' : 'unchanged';
}

/** Adds the platforms of a digest the stored state does not know yet (one GET, by digest). */
async function withPlatforms(
  ref: string,
  obs: Observation,
  stored: StoredState | null,
  ports: CheckPorts,
): Promise<Observation> {
  if (obs.status !== 'found' || obs.platforms !== undefined) return obs;
  if (!needsPlatforms(stored?.value ?? null, obs.digest)) return obs;
  const p = await ports.lookup.platforms(ref, obs.digest, obs.mediaType);
  // Without its platforms the change cannot be announced; it is a failed check, retried next time.
  return p.ok
    ? { ...obs, platforms: p.platforms }
    : { status: 'failed', kind: p.kind, reason: p.reason };
}

/**
 * Checks one reference: look it up, decide, publish what changed, then
 * write the state with compare-and-set. Publishing first with a
 * deterministic id means a crash before the write only causes a republish
 * that JetStream drops; a lost race re-reads and decides again.
 */
export async function checkReference(
  input: { ref: string; detectedBy: DetectedBy; cached?: StoredState | null },
  ports: CheckPorts,
): Promise<CheckResult & { stored: StoredState }> {
  const { ref, detectedBy } = input;
  // The state and the registry are asked at once: neither answer depends on the other.
  let [stored, looked] = await Promise.all([
    input.cached === undefined ? ports.state.read(ref) : input.cached,
    ports.lookup.digest(ref),
  ]);
  let fresh = input.cached === undefined;
  for (let attempt = 1; ; attempt++) {
    looked = await withPlatforms(ref, looked, stored, ports);
    const obs = looked;
    const now = ports.now();
    const { next, facts } = decide({
      ref,
      state: stored?.value ?? null,
      observation: obs,
      detectedBy,
      now,
      settleMs: ports.settleMs,
    });
    if (facts.length > 0 && !fresh) {
      // Never announce from a cached state: read what is stored now and decide again.
      stored = await ports.state.read(ref);
      fresh = true;
      continue;
    }
    const events = facts.map((f) => toEvent(f, now));
    for (const e of events) await ports.publish(e);
    const revision = await ports.state.write(ref, next, stored?.revision ?? null);
    if (revision !== 'conflict') {
      return {
        ref,
        outcome: outcomeOf(stored?.value ?? null, next, facts),
        events,
        state: next,
        stored: { value: next, revision },
      };
    }
    if (attempt >= MAX_ATTEMPTS)
      throw new Error(
        `digest state of ${ref} kept changing under the watcher (${attempt} attempts)`,
      );
    stored = await ports.state.read(ref);
    fresh = true;
  }
}
