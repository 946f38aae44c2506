import type {
  CampaignState,
  CampaignSummary,
  CampaignView,
  TargetState,
  TargetView,
} from './views.js';

type WaveState = CampaignView['wavesDetail'][number]['state'];

/** States after which a target no longer holds its descendants back. */
export const DONE: ReadonlySet<TargetState> = new Set(['rebuilt', 'pr-merged', 'built', 'closed']);
const STOPPED: ReadonlySet<TargetState> = new Set(['failed', 'blocked', 'superseded', 'stale']);

export interface CampaignInput {
  id: string;
  reason: string;
  trigger: CampaignSummary['trigger'];
  plannedAt: string;
  updatedAt: string;
  waves: readonly (readonly string[])[];
  targets: TargetView[];
  /** Set when the source knows better (the dispatcher says superseded). */
  state?: CampaignState;
}

/** Wave progress, counts and the campaign state, the same for every campaign source. */
export function campaignView(input: CampaignInput): CampaignView {
  const byId = new Map(input.targets.map((t) => [t.id, t]));
  const wavesDetail = input.waves.map((ids, index) => {
    const ts = ids.map((id) => byId.get(id)).filter((t): t is TargetView => t !== undefined);
    const done = ts.filter((t) => DONE.has(t.state)).length;
    const stopped = ts.some((t) => STOPPED.has(t.state));
    const started = ts.some((t) => t.state !== 'pending');
    const state: WaveState =
      done === ts.length ? 'done' : stopped ? 'failed' : started ? 'running' : 'waiting';
    return { index, targets: [...ids], done, state };
  });
  const targets = input.targets;
  const counts = {
    total: targets.length,
    done: targets.filter((t) => DONE.has(t.state)).length,
    failed: targets.filter((t) => t.state === 'failed').length,
    blocked: targets.filter((t) => t.state === 'blocked').length,
  };
  const settled = targets.every((t) => DONE.has(t.state) || STOPPED.has(t.state));
  const state: CampaignState =
    input.state ?? (!settled ? 'running' : counts.done === counts.total ? 'succeeded' : 'failed');
  const current = wavesDetail.findIndex((w) => w.state !== 'done');
  return {
    id: input.id,
    state,
    reason: input.reason,
    trigger: input.trigger,
    plannedAt: input.plannedAt,
    updatedAt: input.updatedAt,
    waves: input.waves.length,
    currentWave: current === -1 ? null : current,
    counts,
    wavesDetail,
    targets,
  };
}

export function summaryOf(view: CampaignView): CampaignSummary {
  const { wavesDetail: _w, targets: _t, ...summary } = view;
  return summary;
}
