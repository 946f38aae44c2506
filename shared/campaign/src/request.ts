import { createEvent, stableEventId, type RestackEvent } from '@restack/events';
import { imageName } from './create.js';
import type { CampaignRecord, TargetRecord } from './schema.js';

/** Every target built on `id`, transitively: what rebuilds after it. */
export function descendants(c: CampaignRecord, id: string): TargetRecord[] {
  const out = new Map<string, TargetRecord>();
  const queue = [id];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const t of Object.values(c.targets)) {
      if (t.parents.includes(current) && !out.has(t.id)) {
        out.set(t.id, t);
        queue.push(t.id);
      }
    }
  }
  return [...out.values()];
}

function tagOf(ref: string | undefined): string {
  const m = ref === undefined ? null : /:([\w][\w.-]{0,127})$/.exec(ref.split('@')[0]!);
  return m?.[1] ?? 'latest';
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (all, key: string) => values[key] ?? all);
}

function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '.' : path.slice(0, i);
}

/**
 * The events the record's outbox holds. Ids derive from campaign, target (or
 * PR group) and attempt, so publishing them again is dropped by JetStream and
 * a worker seeing one twice can tell.
 */
export function outboxEvents(c: CampaignRecord): RestackEvent[] {
  const events: RestackEvent[] = [];
  const groups = new Set<string>();
  for (const t of Object.values(c.targets)) {
    if (!t.outbox || t.state !== 'requested' || !t.bumps) continue;
    if (t.action === 'pr') {
      if (t.group === undefined || groups.has(t.group)) continue;
      groups.add(t.group);
      events.push(prRequest(c, t.group));
    } else if (t.action === 'build') {
      events.push(buildRequest(c, t));
    } else if (t.action === 'dispatch') {
      events.push(dispatchRequest(c, t));
    }
  }
  return events;
}

function prRequest(c: CampaignRecord, group: string): RestackEvent {
  const members = Object.values(c.targets)
    .filter((t) => t.group === group && t.state === 'requested')
    .sort((a, b) => a.dockerfile.localeCompare(b.dockerfile));
  const first = members[0]!;
  const bumps = first.bumps!;
  const attempts = members.map((m) => `${m.id}#${m.attempt}`).join(',');
  const downstream = new Set<string>();
  for (const m of members)
    for (const d of descendants(c, m.id))
      downstream.add(d.image ?? `${d.repository}:${d.dockerfile}`);
  return createEvent(
    'restack.pr.requested',
    {
      campaignId: c.campaignId,
      targetId: first.id,
      targetIds: members.map((m) => m.id),
      repository: first.repository,
      dockerfile: first.dockerfile,
      dockerfiles: [...new Set(members.map((m) => m.dockerfile))],
      baseRef: bumps[0]!.ref,
      fromDigest: bumps[0]!.fromDigest,
      toDigest: bumps[0]!.digest,
      bumps,
      ...(first.baseBranch === undefined ? {} : { baseBranch: first.baseBranch }),
      pin: members.some((m) => m.pin),
      context: {
        reason: c.reason,
        trigger: c.trigger.ref,
        ...(c.trigger.firstSeenAt === undefined ? {} : { firstSeenAt: c.trigger.firstSeenAt }),
        wave: first.wave,
        waves: c.waves.length,
        downstream: [...downstream].sort(),
        images: members.flatMap((m) => (m.image === undefined ? [] : [m.image])),
      },
    },
    { id: stableEventId('restack.pr.requested', c.campaignId, group, attempts) },
  );
}

function buildRequest(c: CampaignRecord, t: TargetRecord): RestackEvent {
  const base = t.bumps![0]!;
  return createEvent(
    'restack.build.requested',
    {
      campaignId: c.campaignId,
      targetId: t.id,
      image: imageName(t.image ?? `${t.repository.toLowerCase()}`),
      tags: [tagOf(t.image)],
      repository: t.repository,
      revision: t.baseBranch ?? 'HEAD',
      context: dirname(t.dockerfile),
      dockerfile: t.dockerfile,
      baseRef: base.ref,
      baseDigest: base.digest,
      platforms: [],
      // Every base to pin: each rebuilt parent's new digest and the trigger's.
      pins: t.bumps!.map((b) => ({ ref: b.ref, digest: b.digest })),
    },
    { id: stableEventId('restack.build.requested', c.campaignId, t.id, String(t.attempt)) },
  );
}

function dispatchRequest(c: CampaignRecord, t: TargetRecord): RestackEvent {
  const d = t.dispatch ?? { kind: 'workflow' as const, workflow: 'rebuild.yml', inputs: {} };
  const base = t.bumps![0]!;
  const values = {
    ref: base.ref,
    digest: base.digest,
    campaign: c.campaignId,
    dockerfile: t.dockerfile,
  };
  return createEvent(
    'restack.dispatch.requested',
    {
      campaignId: c.campaignId,
      targetId: t.id,
      repository: t.repository,
      workflow: d.workflow,
      ref: d.ref ?? t.baseBranch ?? 'main',
      inputs: Object.fromEntries(Object.entries(d.inputs).map(([k, v]) => [k, fill(v, values)])),
      kind: d.kind,
    },
    { id: stableEventId('restack.dispatch.requested', c.campaignId, t.id, String(t.attempt)) },
  );
}
