import type { EventData } from '@restack/events';
import { parseReference } from '@restack/reference';
import type { Action, ActionRule, CampaignRecord, TargetRecord } from './schema.js';

type Plan = EventData<'restack.campaign.planned'>;
type PlannedTarget = Plan['targets'][number];

/** `*` matches any run of characters, `?` one; everything else literally. */
export function globMatches(glob: string, value: string): boolean {
  const re = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

/** The image's repository without tag or digest, for matching config globs and digest events. */
export function imageName(ref: string): string {
  const parsed = parseReference(ref);
  return parsed.ok ? parsed.ref.name : ref;
}

/** The first rule matching the target's image or Dockerfile, else the plan's strategy. */
export function resolveAction(
  rules: readonly ActionRule[],
  target: Pick<PlannedTarget, 'image' | 'dockerfile' | 'strategy'>,
): { action: Action; rule: ActionRule | undefined } {
  const image = target.image === undefined ? undefined : imageName(target.image);
  const rule = rules.find(
    (r) =>
      (r.image !== undefined || r.dockerfile !== undefined) &&
      (r.image === undefined || (image !== undefined && globMatches(r.image, image))) &&
      (r.dockerfile === undefined || globMatches(r.dockerfile, target.dockerfile)),
  );
  return { action: rule?.action ?? target.strategy, rule };
}

function dispatchOf(rule: ActionRule): NonNullable<TargetRecord['dispatch']> {
  const kind = rule.eventType === undefined ? 'workflow' : 'repository';
  return {
    kind,
    workflow: rule.eventType ?? rule.workflow ?? 'rebuild.yml',
    ...(rule.ref === undefined ? {} : { ref: rule.ref }),
    inputs: rule.inputs,
  };
}

export interface CreateOptions {
  now: Date;
  dryRun: boolean;
  actions: readonly ActionRule[];
}

/** The record of a freshly planned campaign: every target pending, parents known. */
export function createCampaign(plan: Plan, options: CreateOptions): CampaignRecord {
  const at = options.now.toISOString();
  const waveOf = new Map<string, number>();
  plan.waves.forEach((wave, w) => wave.forEach((id) => waveOf.set(id, w)));
  const targets: Record<string, TargetRecord> = {};
  for (const t of plan.targets) {
    const wave = waveOf.get(t.id);
    if (wave === undefined) continue;
    // Without explicit parents every target of an earlier wave gates this one.
    const parents = t.parents ?? plan.waves.slice(0, wave).flat();
    const { action, rule } = resolveAction(options.actions, t);
    targets[t.id] = {
      id: t.id,
      ...(t.image === undefined ? {} : { image: t.image }),
      repository: t.repository,
      dockerfile: t.dockerfile,
      ...(t.baseBranch === undefined ? {} : { baseBranch: t.baseBranch }),
      wave,
      parents: parents.filter((p) => waveOf.has(p) && p !== t.id),
      action,
      pin: rule?.pin ?? false,
      ...(action === 'dispatch' && rule ? { dispatch: dispatchOf(rule) } : {}),
      state: 'pending',
      attempt: 0,
      outbox: false,
      effect: {},
      history: [{ state: 'pending', at }],
    };
  }
  return {
    campaignId: plan.campaignId,
    trigger: {
      ref: plan.trigger.ref,
      previousDigest: plan.trigger.previousDigest,
      digest: plan.trigger.digest,
      ...(plan.trigger.firstSeenAt === undefined ? {} : { firstSeenAt: plan.trigger.firstSeenAt }),
    },
    reason: plan.reason ?? 'digest-changed',
    dryRun: options.dryRun,
    state: 'active',
    createdAt: at,
    updatedAt: at,
    waves: plan.waves,
    targets,
  };
}
