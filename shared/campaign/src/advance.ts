import { branchSlug } from './branch.js';
import { inSchedule } from './cron.js';
import { clone, finishIfDone, propagateBlocks, setState, setWaiting } from './machine.js';
import type { Bump, CampaignRecord, Limits, TargetRecord } from './schema.js';

/** What is already in flight across every campaign: open PRs (by repository and branch) and builds. */
export interface Usage {
  pullRequests: Map<string, Set<string>>;
  builds: number;
}

export function emptyUsage(): Usage {
  return { pullRequests: new Map(), builds: 0 };
}

/**
 * Counts requested PR groups and builds in `campaigns`. A staged build
 * (pushed, waiting for the promotion gate) no longer takes a builder.
 */
export function usageOf(campaigns: Iterable<CampaignRecord>): Usage {
  const usage = emptyUsage();
  for (const c of campaigns) {
    for (const t of Object.values(c.targets)) {
      if (t.state !== 'requested') continue;
      if (t.action === 'pr' && t.group !== undefined) addPr(usage, t.repository, t.group);
      if (t.action === 'build' && t.effect.promotion !== 'pending') usage.builds += 1;
    }
  }
  return usage;
}

function addPr(usage: Usage, repository: string, group: string): void {
  const set = usage.pullRequests.get(repository) ?? new Set<string>();
  set.add(group);
  usage.pullRequests.set(repository, set);
}

function totalPrs(usage: Usage): number {
  let n = 0;
  for (const s of usage.pullRequests.values()) n += s.size;
  return n;
}

/** The references a target's rebuild bumps: its parents' new digests, then the trigger. */
export function bumpsFor(c: CampaignRecord, t: TargetRecord): Bump[] {
  const fromParents: Bump[] = t.parents
    .map((p) => c.targets[p]?.effect)
    .filter((e): e is { imageRef: string; digest: string } => !!e?.imageRef && !!e.digest)
    .map((e) => ({ ref: e.imageRef, fromDigest: null, digest: e.digest }))
    .sort((a, b) => a.ref.localeCompare(b.ref));
  return [...fromParents, { ...c.trigger, fromDigest: c.trigger.previousDigest }].map(
    ({ ref, fromDigest, digest }) => ({ ref, fromDigest, digest }),
  );
}

/** Targets sharing a repository and a first bump share one branch and one PR. */
export function prGroup(t: TargetRecord, bumps: readonly Bump[]): string {
  return `${t.repository}|${branchSlug(bumps[0]!.ref)}`;
}

export interface AdvanceOptions {
  now: Date;
  limits: Limits;
  /** In flight in every other campaign. */
  usage: Usage;
}

function describe(t: TargetRecord): string {
  if (t.action === 'pr') return `open a pull request in ${t.repository}`;
  if (t.action === 'build') return `build ${t.image ?? t.dockerfile}`;
  if (t.action === 'dispatch')
    return `dispatch ${t.dispatch?.workflow ?? 'a workflow'} in ${t.repository}`;
  return 'report';
}

/**
 * Wave gating: requests every pending target whose affected ancestors are all
 * done, within the schedule windows and limits; everything else records why
 * it waits. Pure: the caller writes the result with compare-and-set and then
 * publishes the requests the record's outbox holds.
 */
export function advance(
  campaign: CampaignRecord,
  options: AdvanceOptions,
): CampaignRecord | undefined {
  if (campaign.state !== 'active') return undefined;
  const c = clone(campaign);
  const at = options.now.toISOString();
  const usage = tally(options.usage);
  let changed = propagateBlocks(c, at);
  const open = inSchedule(options.limits.schedules, options.now);
  const pending = Object.values(c.targets)
    .filter((t) => t.state === 'pending')
    .sort((a, b) => a.wave - b.wave || a.id.localeCompare(b.id));
  for (const t of pending) {
    if (c.dryRun) {
      changed = setWaiting(t, `dry run: would ${describe(t)}`) || changed;
      continue;
    }
    const waiting = t.parents.filter((p) => c.targets[p]?.state !== 'done');
    if (waiting.length > 0) {
      changed = setWaiting(t, waitingReason(c, waiting)) || changed;
      continue;
    }
    if (t.action === 'report') {
      setState(t, 'done', at, 'report only: no action taken');
      changed = true;
      continue;
    }
    if (!open) {
      changed = setWaiting(t, 'outside the schedule windows') || changed;
      continue;
    }
    const bumps = bumpsFor(c, t);
    const group = t.action === 'pr' ? prGroup(t, bumps) : undefined;
    const limit = limitReason(t, group, usage, options.limits);
    if (limit) {
      changed = setWaiting(t, limit) || changed;
      continue;
    }
    if (group !== undefined) usage.addPr(t.repository, group);
    if (t.action === 'build') usage.builds += 1;
    t.bumps = bumps;
    if (group !== undefined) t.group = group;
    t.attempt = Math.max(1, t.attempt);
    t.outbox = true;
    t.requestedAt = at;
    setState(t, 'requested', at);
    changed = true;
  }
  if (!changed) return undefined;
  finishIfDone(c, at);
  return c;
}

/** Parents built but not yet through the promotion gate are named as such. */
function waitingReason(c: CampaignRecord, waiting: readonly string[]): string {
  const gated = waiting.filter((p) => c.targets[p]?.effect.promotion === 'pending');
  const rest = waiting.filter((p) => !gated.includes(p));
  return [
    ...(rest.length > 0 ? [`waiting for ${rest.join(', ')}`] : []),
    ...(gated.length > 0 ? [`waiting on promotion of ${gated.join(', ')}`] : []),
  ].join('; ');
}

/**
 * The usage an advance starts from plus what it requests, without copying
 * the usage it was given (every live campaign's, shared and read-only).
 */
interface Tally {
  builds: number;
  hasPr(repository: string, group: string): boolean;
  prsIn(repository: string): number;
  prs(): number;
  addPr(repository: string, group: string): void;
}

function tally(base: Usage): Tally {
  const added = new Map<string, Set<string>>();
  let addedPrs = 0;
  let basePrs: number | undefined;
  return {
    builds: base.builds,
    hasPr: (repository, group) =>
      !!base.pullRequests.get(repository)?.has(group) || !!added.get(repository)?.has(group),
    prsIn: (repository) =>
      (base.pullRequests.get(repository)?.size ?? 0) + (added.get(repository)?.size ?? 0),
    prs: () => (basePrs ??= totalPrs(base)) + addedPrs,
    addPr(repository, group) {
      if (this.hasPr(repository, group)) return;
      const set = added.get(repository) ?? new Set<string>();
      set.add(group);
      added.set(repository, set);
      addedPrs += 1;
    },
  };
}

function limitReason(
  t: TargetRecord,
  group: string | undefined,
  usage: Tally,
  limits: Limits,
): string | undefined {
  if (t.action === 'build' && usage.builds >= limits.concurrentBuilds) {
    return `limit: ${limits.concurrentBuilds} concurrent builds`;
  }
  if (group === undefined) return undefined;
  if (usage.hasPr(t.repository, group)) return undefined; // joins a PR already open
  if (usage.prsIn(t.repository) >= limits.openPullRequestsPerRepository) {
    return `limit: ${limits.openPullRequestsPerRepository} open pull requests in ${t.repository}`;
  }
  if (usage.prs() >= limits.openPullRequests)
    return `limit: ${limits.openPullRequests} open pull requests`;
  return undefined;
}
