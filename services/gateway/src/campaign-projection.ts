import type { EventOf, RestackEvent } from '@restack/events';
import { DONE, campaignView, summaryOf } from './campaign-view.js';
import type { CampaignSummary, CampaignView, TargetView } from './views.js';

/**
 * A read model of campaigns folded from the events themselves (planned,
 * pr.*, build.*, image.rebuilt). The gateway owns no state: this is rebuilt
 * from the RESTACK stream at start, like any other view of it.
 */
interface CampaignRecord {
  planned: EventOf<'restack.campaign.planned'>;
  updatedAt: string;
  targets: Map<string, TargetView>;
}

const MAX_CAMPAIGNS = 500;

export interface CampaignProjection {
  apply(event: RestackEvent): void;
  list(): CampaignSummary[];
  get(id: string): CampaignView | null;
}

export function createCampaignProjection(): CampaignProjection {
  const campaigns = new Map<string, CampaignRecord>();

  function plan(e: EventOf<'restack.campaign.planned'>): void {
    if (campaigns.has(e.data.campaignId)) return;
    const wave = new Map<string, number>();
    e.data.waves.forEach((ids, w) => ids.forEach((id) => wave.set(id, w)));
    const targets = new Map<string, TargetView>();
    for (const t of e.data.targets) {
      targets.set(t.id, {
        id: t.id,
        wave: wave.get(t.id) ?? 0,
        image: t.image ?? null,
        repository: t.repository,
        dockerfile: t.dockerfile,
        strategy: t.strategy,
        state: 'pending',
        pr: null,
        build: null,
        failure: null,
        updatedAt: e.occurredAt,
      });
    }
    campaigns.set(e.data.campaignId, { planned: e, updatedAt: e.occurredAt, targets });
    // Oldest first in a Map: drop the oldest so memory stays bounded.
    while (campaigns.size > MAX_CAMPAIGNS) campaigns.delete(campaigns.keys().next().value!);
  }

  function touch(
    campaignId: string,
    ids: readonly string[],
    at: string,
    change: (t: TargetView) => void,
  ): void {
    const c = campaigns.get(campaignId);
    if (!c) return;
    for (const id of ids) {
      const t = c.targets.get(id);
      if (!t) continue;
      change(t);
      t.updatedAt = at;
    }
    c.updatedAt = at;
  }

  function apply(e: RestackEvent): void {
    const at = e.occurredAt;
    switch (e.type) {
      case 'restack.campaign.planned':
        return plan(e);
      case 'restack.pr.requested':
        return touch(e.data.campaignId, e.data.targetIds ?? [e.data.targetId], at, (t) => {
          if (t.state === 'pending') t.state = 'requested';
        });
      case 'restack.pr.opened':
        return touch(e.data.campaignId, [e.data.targetId], at, (t) => {
          t.pr = { number: e.data.number, url: e.data.url, state: 'open' };
          if (!DONE.has(t.state)) t.state = 'pr-open';
        });
      case 'restack.pr.updated':
        return touch(e.data.campaignId, [e.data.targetId], at, (t) => {
          t.pr = { number: e.data.number, url: e.data.url, state: e.data.state };
          if (e.data.state === 'merged') t.state = 'pr-merged';
          else if (e.data.state === 'closed') t.state = 'closed';
        });
      case 'restack.build.requested':
        return touch(e.data.campaignId, [e.data.targetId], at, (t) => {
          if (!DONE.has(t.state)) t.state = 'building';
        });
      case 'restack.dispatch.requested':
        return touch(e.data.campaignId, [e.data.targetId], at, (t) => {
          if (!DONE.has(t.state)) t.state = 'dispatched';
        });
      case 'restack.build.completed':
        return touch(e.data.campaignId, [e.data.targetId], at, (t) => {
          t.build = { digest: e.data.digest, tags: e.data.tags, image: e.data.image };
          // A staged build is not done until the promotion gate passes.
          if (e.data.promotion) {
            t.promotion ??= { state: 'pending', staging: `${e.data.image}:${e.data.tags[0]!}` };
          } else if (t.state !== 'rebuilt') t.state = 'built';
        });
      case 'restack.image.promoted':
      case 'restack.promotion.refused': {
        const { targetId } = e.data;
        if (targetId === undefined) return;
        return touch(e.data.campaignId, [targetId], at, (t) => {
          const refused = e.type === 'restack.promotion.refused';
          t.promotion = { state: refused ? 'refused' : 'promoted', staging: e.data.staging };
          if (refused) {
            t.state = 'failed';
            t.failure = `promotion refused: ${e.data.reason}`;
          } else {
            t.state = 'rebuilt';
            t.failure = null;
          }
        });
      }
      case 'restack.pr.failed':
      case 'restack.build.failed':
        return touch(e.data.campaignId, [e.data.targetId], at, (t) => {
          t.failure = e.data.failure.message;
          // A retryable failure is tried again by the dispatcher; only a final one fails.
          if (!e.data.failure.retryable) t.state = 'failed';
        });
      case 'restack.image.rebuilt': {
        if (e.data.promotion) return; // staged: image.promoted finishes it
        const c = campaigns.get(e.data.campaignId);
        const ids = [...(c?.targets.values() ?? [])]
          .filter((t) => t.dockerfile === e.data.dockerfile || t.image === e.data.image)
          .map((t) => t.id);
        return touch(e.data.campaignId, ids, at, (t) => {
          t.state = 'rebuilt';
          t.failure = null;
          t.build ??= { digest: e.data.digest, tags: e.data.tags, image: e.data.image };
        });
      }
      default:
        return;
    }
  }

  function view(c: CampaignRecord): CampaignView {
    const d = c.planned.data;
    const targets = [...c.targets.values()].map((t) => ({ ...t }));
    const byId = new Map(targets.map((t) => [t.id, t]));
    const parents = new Map(d.targets.map((t) => [t.id, t.parents]));
    // A target below a failed or blocked one is blocked (invariant 3); waves run in order.
    for (const t of [...targets].sort((a, b) => a.wave - b.wave)) {
      if (DONE.has(t.state) || t.state === 'failed') continue;
      const ps = parents.get(t.id) ?? targets.filter((o) => o.wave < t.wave).map((o) => o.id);
      const stuck = ps.some((p) => ['failed', 'blocked'].includes(byId.get(p)?.state ?? ''));
      if (stuck) t.state = 'blocked';
    }
    return campaignView({
      id: d.campaignId,
      reason: d.reason ?? 'digest-changed',
      trigger: {
        ref: d.trigger.ref,
        previousDigest: d.trigger.previousDigest,
        digest: d.trigger.digest,
      },
      plannedAt: c.planned.occurredAt,
      updatedAt: c.updatedAt,
      waves: d.waves,
      targets,
    });
  }

  return {
    apply,
    list: () =>
      [...campaigns.values()]
        .map((c) => summaryOf(view(c)))
        .sort((a, b) => b.plannedAt.localeCompare(a.plannedAt)),
    get: (id) => {
      const c = campaigns.get(id);
      return c ? view(c) : null;
    },
  };
}
