import { isRestackError, type Logger } from '@restack/core';
import { encodeKvKey, type Bus, type TypedKv } from '@restack/bus';
import { campaignRecordSchema, type CampaignRecord, type TargetRecord } from '@restack/campaign';
import { campaignView, summaryOf } from './campaign-view.js';
import type { CampaignSource } from './ports.js';
import type { CampaignState, CampaignView, TargetState, TargetView } from './views.js';

/** The dispatcher's bucket (services/dispatcher CAMPAIGN_BUCKET); restack up may pass its name. */
export const DISPATCHER_CAMPAIGN_BUCKET = 'restack-campaigns';

function targetState(t: TargetRecord): TargetState {
  switch (t.state) {
    case 'requested':
      if (t.effect.prUrl) return 'pr-open';
      return t.action === 'build'
        ? 'building'
        : t.action === 'dispatch'
          ? 'dispatched'
          : 'requested';
    case 'done':
      return t.effect.merged ? 'pr-merged' : 'rebuilt';
    default:
      return t.state;
  }
}

function targetView(t: TargetRecord, fallbackAt: string): TargetView {
  const { prNumber, prUrl, merged, digest, imageRef } = t.effect;
  return {
    id: t.id,
    wave: t.wave,
    image: t.image ?? null,
    repository: t.repository,
    dockerfile: t.dockerfile,
    strategy: t.action === 'report' ? 'pr' : t.action,
    state: targetState(t),
    pr:
      prNumber && prUrl
        ? { number: prNumber, url: prUrl, state: merged ? 'merged' : 'open' }
        : null,
    build: digest ? { digest, tags: [], image: imageRef ?? t.image ?? '' } : null,
    failure: t.state === 'failed' || t.state === 'blocked' ? (t.reason ?? null) : null,
    ...(t.effect.promotion
      ? { promotion: { state: t.effect.promotion, staging: t.effect.staging ?? null } }
      : {}),
    updatedAt: t.history.at(-1)?.at ?? fallbackAt,
  };
}

/** The dispatcher's record as the API shows it. */
export function viewOfRecord(r: CampaignRecord): CampaignView {
  const base = campaignView({
    id: r.campaignId,
    reason: r.reason,
    trigger: {
      ref: r.trigger.ref,
      previousDigest: r.trigger.previousDigest,
      digest: r.trigger.digest,
    },
    plannedAt: r.createdAt,
    updatedAt: r.updatedAt,
    waves: r.waves,
    targets: Object.values(r.targets).map((t) => targetView(t, r.updatedAt)),
  });
  const state: CampaignState | undefined =
    r.state === 'superseded' ? 'superseded' : r.state === 'active' ? 'running' : undefined;
  return state ? { ...base, state } : base;
}

/**
 * Campaigns from the dispatcher's KV bucket when it exists, merged over the
 * gateway's own event projection (which covers a deployment without the
 * dispatcher, and campaigns the bucket has not recorded yet).
 */
export function kvCampaignSource(
  bus: Bus,
  projection: CampaignSource,
  log: Logger,
  bucket = DISPATCHER_CAMPAIGN_BUCKET,
): CampaignSource {
  let kv: TypedKv<CampaignRecord> | undefined;
  async function open(): Promise<TypedKv<CampaignRecord> | undefined> {
    if (kv) return kv;
    try {
      kv = await bus.kv(bucket, campaignRecordSchema);
      return kv;
    } catch (e) {
      if (isRestackError(e) && e.code === 'BUS_BUCKET_MISSING') return undefined;
      throw e;
    }
  }
  async function records(): Promise<CampaignView[]> {
    const store = await open();
    if (!store) return [];
    const out: CampaignView[] = [];
    for (const key of await store.keys()) {
      try {
        const r = await store.get(key);
        if (r) out.push(viewOfRecord(r.value));
      } catch (e) {
        // One unreadable record must not hide every other campaign.
        log.warn(
          { bucket, key, err: e instanceof Error ? e.message : String(e) },
          'skipped a campaign record',
        );
      }
    }
    return out;
  }
  return {
    async list() {
      const fromKv = (await records()).map(summaryOf);
      const known = new Set(fromKv.map((c) => c.id));
      const rest = (await projection.list()).filter((c) => !known.has(c.id));
      return [...fromKv, ...rest].sort((a, b) => b.plannedAt.localeCompare(a.plannedAt));
    },
    async get(id) {
      const store = await open();
      const r = store ? await store.get(encodeKvKey(id)) : null;
      return r ? viewOfRecord(r.value) : projection.get(id);
    },
  };
}
