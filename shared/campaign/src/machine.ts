import type { CampaignRecord, TargetRecord, TargetState } from './schema.js';

/**
 * Pure transitions of a campaign record. Each returns a new record, or
 * undefined when nothing changes, so a redelivered event is a no-op and
 * the caller can skip the compare-and-set write.
 */

/** The failure code pr-bot reports when every reference is already at the new digest. */
export const UP_TO_DATE = 'pr.up-to-date';

export const TERMINAL: ReadonlySet<TargetState> = new Set([
  'done',
  'failed',
  'blocked',
  'superseded',
  'stale',
]);
/** A parent in one of these states stops its descendants. */
const BLOCKING: ReadonlySet<TargetState> = new Set(['failed', 'blocked', 'superseded', 'stale']);

export function clone(c: CampaignRecord): CampaignRecord {
  return copyJson(c);
}

/** A deep copy of JSON data (records are stored as JSON): several times cheaper than structuredClone. */
function copyJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyJson) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = copyJson(v);
  return out as T;
}

/** Moves a target to `state`, keeping the history; `reason` replaces the old one. */
export function setState(t: TargetRecord, state: TargetState, at: string, reason?: string): void {
  if (t.state === state && t.reason === reason) return;
  t.state = state;
  if (reason === undefined) delete t.reason;
  else t.reason = reason;
  if (TERMINAL.has(state)) {
    t.finishedAt = at;
    t.outbox = false;
  }
  t.history.push({ state, at, ...(reason === undefined ? {} : { reason }) });
}

/** Sets only the waiting reason of a pending target (no history entry for every tick). */
export function setWaiting(t: TargetRecord, reason: string): boolean {
  if (t.reason === reason) return false;
  t.reason = reason;
  return true;
}

export function finishIfDone(c: CampaignRecord, at: string): void {
  if (c.state === 'active' && Object.values(c.targets).every((t) => TERMINAL.has(t.state))) {
    c.state = 'finished';
  }
  c.updatedAt = at;
}

/** Blocks every pending target whose parent failed, went stale or was superseded. */
export function propagateBlocks(c: CampaignRecord, at: string): boolean {
  let changed = false;
  for (let again = true; again;) {
    again = false;
    for (const t of Object.values(c.targets)) {
      if (t.state !== 'pending') continue;
      const bad = t.parents.map((p) => c.targets[p]).find((p) => p && BLOCKING.has(p.state));
      if (!bad) continue;
      setState(t, 'blocked', at, blockReason(bad));
      changed = again = true;
    }
  }
  return changed;
}

function blockReason(bad: TargetRecord): string {
  if (bad.effect.promotion === 'refused') {
    return `waiting on promotion of ${bad.id}: refused: ${bad.effect.refusal ?? 'by the gate'}`;
  }
  const why =
    bad.state === 'blocked' ? `ancestor ${bad.id} is blocked` : `ancestor ${bad.id} ${bad.state}`;
  return `${why}${bad.reason ? `: ${bad.reason}` : ''}`;
}

function targetsMatching(c: CampaignRecord, targetId: string): TargetRecord[] {
  const t = c.targets[targetId];
  if (!t) return [];
  if (t.group === undefined) return [t];
  return Object.values(c.targets).filter((o) => o.group === t.group && o.state === 'requested');
}

/** Runs `fn` on the target (or its PR group); blocks descendants and finishes the campaign after. */
export function apply(
  campaign: CampaignRecord,
  targetId: string,
  now: Date,
  fn: (t: TargetRecord, at: string) => boolean,
): CampaignRecord | undefined {
  const c = clone(campaign);
  const at = now.toISOString();
  let changed = false;
  for (const t of targetsMatching(c, targetId)) changed = fn(t, at) || changed;
  if (!changed) return undefined;
  propagateBlocks(c, at);
  finishIfDone(c, at);
  return c;
}

export function onPrOpened(
  c: CampaignRecord,
  targetId: string,
  pr: { number: number; url: string; branch: string },
  now: Date,
): CampaignRecord | undefined {
  return apply(c, targetId, now, (t) => {
    if (t.state !== 'requested' || t.effect.prNumber === pr.number) return false;
    t.effect = { ...t.effect, prNumber: pr.number, prUrl: pr.url, branch: pr.branch };
    return true;
  });
}

/**
 * A merged PR finishes a target with no catalog image; one with an image
 * waits for that image's new digest. A PR closed unmerged fails the target,
 * unless restack closed it because nothing was left to bump.
 */
export function onPrUpdated(
  c: CampaignRecord,
  targetId: string,
  update: { number: number; url: string; state: 'open' | 'merged' | 'closed'; reason?: string },
  now: Date,
): CampaignRecord | undefined {
  return apply(c, targetId, now, (t, at) => {
    if (t.state !== 'requested') return false;
    const effect = { ...t.effect, prNumber: update.number, prUrl: update.url };
    if (update.state === 'merged') {
      if (t.effect.merged) return false;
      t.effect = { ...effect, merged: true };
      if (t.image === undefined) setState(t, 'done', at, 'pull request merged');
      else if (t.effect.digest) setState(t, 'done', at, `merged; rebuilt as ${t.effect.digest}`);
      else t.reason = 'merged; waiting for the rebuilt image';
      return true;
    }
    if (update.state === 'closed') {
      if (update.reason === 'up-to-date')
        setState(t, 'done', at, 'already up to date; pull request closed');
      else setState(t, 'failed', at, 'pull request closed without merging');
      t.effect = effect;
      return true;
    }
    if (update.reason === 'human-push')
      return setWaiting(t, 'a person pushed to the branch; restack left it alone');
    if (t.effect.prNumber === update.number) return false;
    t.effect = effect;
    return true;
  });
}

/** A worker failed: retry (a new attempt, so a new event id) while allowed, else fail and block. */
export function onFailure(
  c: CampaignRecord,
  targetId: string,
  failure: { message: string; retryable: boolean; code?: string | undefined },
  maxAttempts: number,
  now: Date,
): CampaignRecord | undefined {
  return apply(c, targetId, now, (t, at) => {
    if (t.state !== 'requested') return false;
    // Nothing to bump at the base branch head: someone got there first.
    if (failure.code === UP_TO_DATE) {
      setState(t, 'done', at, failure.message);
      return true;
    }
    if (failure.retryable && t.attempt < maxAttempts) {
      t.attempt += 1;
      t.outbox = true;
      t.reason = `retrying after: ${failure.message}`;
      return true;
    }
    setState(t, 'failed', at, failure.message);
    return true;
  });
}

/** The target's own image was seen (or built) at a new digest: it is done, children may go. */
export function onImageDigest(
  campaign: CampaignRecord,
  match: (t: TargetRecord) => boolean,
  image: { ref: string; digest: string },
  now: Date,
): CampaignRecord | undefined {
  const c = clone(campaign);
  const at = now.toISOString();
  let changed = false;
  for (const t of Object.values(c.targets)) {
    if (t.state !== 'requested' || t.action === 'report' || !match(t)) continue;
    if (t.effect.digest === image.digest) continue;
    t.effect = { ...t.effect, digest: image.digest, imageRef: image.ref };
    // The watcher may see the image before pr-bot sees the merge; it counts once the merge is known.
    if (t.action === 'pr' && !t.effect.merged)
      t.reason = 'image seen at a new digest; waiting for the merge';
    else setState(t, 'done', at, `rebuilt as ${image.digest}`);
    changed = true;
  }
  if (!changed) return undefined;
  finishIfDone(c, at);
  return c;
}

/**
 * A newer digest of the same trigger: targets not started are superseded, and
 * so are requested PR targets (the new campaign re-targets the same branch and
 * PR). Builds in flight finish.
 */
export function supersede(
  c0: CampaignRecord,
  byCampaignId: string,
  now: Date,
): CampaignRecord | undefined {
  if (c0.state !== 'active' || c0.campaignId === byCampaignId) return undefined;
  const c = clone(c0);
  const at = now.toISOString();
  for (const t of Object.values(c.targets)) {
    if (t.state === 'pending' || (t.state === 'requested' && t.action === 'pr')) {
      setState(t, 'superseded', at, `superseded by campaign ${byCampaignId}`);
    }
  }
  c.state = 'superseded';
  c.supersededBy = byCampaignId;
  c.updatedAt = at;
  return c;
}

/** Requested targets past the deadline go stale (and block their descendants). */
export function markStale(
  c0: CampaignRecord,
  deadlineMs: number,
  now: Date,
): CampaignRecord | undefined {
  if (c0.state !== 'active') return undefined;
  const c = clone(c0);
  const at = now.toISOString();
  let changed = false;
  for (const t of Object.values(c.targets)) {
    if (t.state !== 'requested' || t.requestedAt === undefined) continue;
    if (now.getTime() - Date.parse(t.requestedAt) < deadlineMs) continue;
    const hours = Math.round(deadlineMs / 360_000) / 10;
    setState(t, 'stale', at, `not done within ${hours} h of the request`);
    changed = true;
  }
  if (!changed) return undefined;
  propagateBlocks(c, at);
  finishIfDone(c, at);
  return c;
}

/**
 * Chaining: an internal image's new digest is a digest.changed of its own, and
 * the graph plans a campaign for it. When an active campaign already rebuilds
 * that image, its own waves cover the dependants: the chained campaign's
 * targets that it holds are marked superseded instead of rebuilt twice.
 */
export function coverChained(
  c0: CampaignRecord,
  others: readonly CampaignRecord[],
  imageNameOf: (ref: string) => string,
  now: Date,
): CampaignRecord | undefined {
  const name = imageNameOf(c0.trigger.ref);
  const covering = others.filter(
    (o) =>
      (o.state === 'active' || producedTrigger(o, c0, name, imageNameOf)) &&
      o.campaignId !== c0.campaignId &&
      Object.values(o.targets).some((t) => t.image !== undefined && imageNameOf(t.image) === name),
  );
  if (covering.length === 0) return undefined;
  const c = clone(c0);
  const at = now.toISOString();
  let changed = false;
  for (const t of Object.values(c.targets)) {
    if (t.state !== 'pending') continue;
    const by = covering.find((o) => {
      const same = o.targets[t.id];
      if (same === undefined) return false;
      if (same.state === 'pending' || same.state === 'requested') return true;
      // A late chained plan (the watcher polls on its own schedule, or was down): the covering
      // campaign already rebuilt this target on the very digest that triggered this one.
      return same.state === 'done' && producedTrigger(o, c0, name, imageNameOf);
    });
    if (!by) continue;
    setState(
      t,
      'superseded',
      at,
      `rebuilt by campaign ${by.campaignId}, whose wave moved ${c.trigger.ref}`,
    );
    changed = true;
  }
  if (!changed) return undefined;
  propagateBlocks(c, at);
  finishIfDone(c, at);
  return c;
}

/** Whether `o` built or bumped the trigger image of `c0` to exactly its digest (a move, not an age or CVE rebuild). */
function producedTrigger(
  o: CampaignRecord,
  c0: CampaignRecord,
  name: string,
  imageNameOf: (ref: string) => string,
): boolean {
  if (c0.reason !== 'digest-changed') return false;
  return Object.values(o.targets).some(
    (t) =>
      t.image !== undefined &&
      imageNameOf(t.image) === name &&
      t.effect.digest === c0.trigger.digest,
  );
}
