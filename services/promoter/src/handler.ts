import { RestackError, errorMessage } from '@restack/core';
import { createEvent, stableEventId, type EventOf, type RestackEvent } from '@restack/events';
import type { PromotionResult, PromotionVerdict } from '@restack/promote';
import type { Delivery, PromoterPorts, PromotionRecord, StagedBuild } from './ports.js';

type ImageRebuilt = EventOf<'restack.image.rebuilt'>;
type ScanCompleted = EventOf<'restack.scan.completed'>;

/** The commit status context that shows the gate on the built revision. */
export const STATUS_CONTEXT = 'restack/promotion';

// promotionRefusedData caps the reason; GitHub caps a status description at 140 characters.
const MAX_REASON = 4000;
const MAX_STATUS = 140;

/**
 * restack.image.rebuilt with `promotion`: remember the staged build (its
 * production tags, repository and revision) until its scan arrives.
 */
export async function handleStaged(event: ImageRebuilt, ports: PromoterPorts): Promise<void> {
  const d = event.data;
  if (!d.promotion) return;
  if (await ports.records.get(d.campaignId, d.image, d.digest)) return;
  const staged: StagedBuild = {
    campaignId: d.campaignId,
    ...(d.promotion.targetId === undefined ? {} : { targetId: d.promotion.targetId }),
    stagingImage: d.image,
    staging: `${d.image}:${d.tags[0]!}`,
    digest: d.digest,
    image: d.promotion.image,
    to: d.promotion.to,
    ...(d.promotion.repository === undefined ? {} : { repository: d.promotion.repository }),
    revision: d.revision ?? null,
    baseRef: d.baseRef,
  };
  await ports.records.put({ staged });
}

/**
 * restack.scan.completed of a staged build -> restack.image.promoted or
 * restack.promotion.refused. The gate (base verification, then policies)
 * runs on the scanned digest; only a pass copies it to the production tags.
 * The decision is recorded before it is sent, so a redelivery sends the
 * same events and never gates or copies twice.
 */
export async function handleScanCompleted(
  event: ScanCompleted,
  ports: PromoterPorts,
  delivery: Delivery,
): Promise<RestackEvent[]> {
  const d = event.data;
  if (d.campaignId === undefined) return [];
  const log = delivery.log.child({ image: d.image, digest: d.digest, campaignId: d.campaignId });
  const record = await ports.records.get(d.campaignId, d.image, d.digest);
  if (!record) {
    if (!ports.isStagingRepository(d.image)) return [];
    // The build's image.rebuilt may not be recorded yet: let the bus try again.
    if (delivery.attempt < delivery.maxAttempts) {
      throw new RestackError('PROMOTER_NOT_STAGED', `no staged build of ${d.image}@${d.digest}`, {
        where: d.image,
      });
    }
    log.warn({}, 'scan of a staging image with no staged build: nothing promoted');
    return [];
  }
  if (record.events) {
    log.info({}, 'promotion already decided; sending its events again');
    return record.events;
  }
  const s = record.staged;
  let result: PromotionResult | string;
  try {
    result = await ports.gate({
      image: `${s.stagingImage}@${s.digest}`,
      to: s.to.map((tag) => `${s.image}:${tag}`),
      production: s.image,
      baseRefs: [s.baseRef],
      scan: {
        scanner: d.scanner,
        databaseUpdatedAt: d.databaseUpdatedAt ?? null,
        counts: d.vulnerabilities,
        // Nothing to verify (no base labels, no base given) is not a failure.
        baseVerified: d.verification ? d.verification.verified : d.baseVerified,
        ...(d.verification ? { verificationReasons: d.verification.reasons } : {}),
        ...(d.fixes ? { fixes: d.fixes } : {}),
      },
    });
  } catch (e) {
    if (delivery.attempt < delivery.maxAttempts) throw e;
    // Production was not changed; the campaign must not wait for ever.
    result = `could not promote: ${errorMessage(e)}`;
  }
  const events = [decision(event, s, result)];
  const decided: PromotionRecord = { staged: s, decidedAt: ports.clock().toISOString(), events };
  await ports.records.put(decided);
  if (typeof result !== 'string' && result.outcome === 'promoted') {
    log.info({ promoted: result.promoted }, 'image promoted');
  } else {
    const reason = typeof result === 'string' ? result : result.reason;
    log.warn({ reason, production: s.image }, 'promotion refused; production unchanged');
  }
  return events;
}

function decision(
  cause: ScanCompleted,
  s: StagedBuild,
  result: PromotionResult | string,
): RestackEvent {
  const common = {
    campaignId: s.campaignId,
    ...(s.targetId === undefined ? {} : { targetId: s.targetId }),
    image: s.image,
    digest: s.digest,
    staging: s.staging,
    verdicts: typeof result === 'string' ? [] : result.verdicts.map(verdict),
  };
  const id = (type: string) => stableEventId(type, s.campaignId, s.stagingImage, s.digest);
  if (typeof result !== 'string' && result.outcome === 'promoted') {
    return createEvent(
      'restack.image.promoted',
      { ...common, promoted: result.promoted },
      { id: id('restack.image.promoted'), causedBy: cause },
    );
  }
  const reason = typeof result === 'string' ? result : (result.reason ?? 'refused by the gate');
  return createEvent(
    'restack.promotion.refused',
    { ...common, reason: clip(reason, MAX_REASON) },
    { id: id('restack.promotion.refused'), causedBy: cause },
  );
}

function verdict(v: PromotionVerdict): PromotionVerdict {
  return {
    ...v,
    message: clip(v.message, MAX_REASON),
    scanner: v.scanner && {
      name: v.scanner.name,
      databaseUpdatedAt: v.scanner.databaseUpdatedAt || null,
    },
  };
}

/**
 * The gate as a commit status on the built revision, so the PR (or commit)
 * shows it. Best effort: the decision is already recorded and sent.
 */
export async function reportStatus(
  events: readonly RestackEvent[],
  record: PromotionRecord | null,
  ports: PromoterPorts,
  log: Delivery['log'],
): Promise<void> {
  const s = record?.staged;
  if (!ports.commitStatus || !s?.repository || !s.revision) return;
  for (const e of events) {
    if (e.type !== 'restack.image.promoted' && e.type !== 'restack.promotion.refused') continue;
    const promoted = e.type === 'restack.image.promoted';
    const description = promoted
      ? `promoted to ${s.to.join(', ')}`
      : `not promoted: ${e.data.reason}`;
    try {
      await ports.commitStatus(s.repository, s.revision, {
        state: promoted ? 'success' : 'failure',
        context: STATUS_CONTEXT,
        description: clip(description, MAX_STATUS),
      });
    } catch (err) {
      log.warn(
        { repository: s.repository, revision: s.revision, err: errorMessage(err) },
        'could not set the promotion commit status',
      );
    }
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
