import { jetstreamManager } from '@nats-io/jetstream';
import type { Bus } from '@restack/bus';

export interface StoredEvent {
  seq: number;
  subject: string;
  /** The event as published (type, id, campaignId, data, ...). */
  event: { type: string; id: string; campaignId?: string; data: Record<string, unknown> };
}

/**
 * Every message a stream holds, oldest first: what a late reader would see,
 * so "no event lost" is judged from the store itself, not from a consumer.
 */
export async function readStream(nc: Bus['connection'], stream: string): Promise<StoredEvent[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const out: StoredEvent[] = [];
  for (
    let seq = info.state.first_seq;
    seq <= info.state.last_seq && info.state.messages > 0;
    seq++
  ) {
    const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!msg) continue;
    out.push({ seq, subject: msg.subject, event: msg.json() });
  }
  return out;
}
