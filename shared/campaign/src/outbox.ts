import { clone, finishIfDone, setState } from './machine.js';
import type { CampaignRecord } from './schema.js';

/**
 * After the outbox is on the bus: clear it. A dispatch target without a
 * catalog image has nothing to watch, so it is done once dispatched.
 */
export function markPublished(c0: CampaignRecord, now: Date): CampaignRecord | undefined {
  if (!Object.values(c0.targets).some((t) => t.outbox)) return undefined;
  const c = clone(c0);
  const at = now.toISOString();
  let changed = false;
  for (const t of Object.values(c.targets)) {
    if (!t.outbox) continue;
    t.outbox = false;
    changed = true;
    if (t.state === 'requested' && t.action === 'dispatch' && t.image === undefined) {
      setState(t, 'done', at, 'dispatched; no catalog image to watch');
    }
  }
  if (!changed) return undefined;
  finishIfDone(c, at);
  return c;
}
