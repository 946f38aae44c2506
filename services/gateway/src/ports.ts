import type { DeadLetter } from '@restack/events';
import type {
  CampaignSummary,
  CampaignView,
  DeprecatedReport,
  GraphView,
  ImageView,
  PlanView,
  TriggerResult,
} from './views.js';

/**
 * What the gateway reads and writes, as ports: the HTTP layer depends on
 * these only, adapters implement them over the bus or the config.
 */
export interface GraphSource {
  graph(): Promise<GraphView>;
  /** `changed` are valid, normalised references. */
  plan(changed: readonly string[]): Promise<PlanView>;
}

export interface CampaignSource {
  list(): Promise<CampaignSummary[]>;
  get(id: string): Promise<CampaignView | null>;
}

export interface ImageSource {
  images(): Promise<ImageView[]>;
  deprecated(): Promise<DeprecatedReport>;
}

export interface DeadLetterSource {
  list(limit: number): Promise<DeadLetter[]>;
}

export interface TriggerSink {
  trigger(request: { ref: string; digest: string }): Promise<TriggerResult>;
}

/** Finds the digest a tag points at now, for a manual trigger that gives none. */
export type DigestResolver = (ref: string) => Promise<string>;

export interface GatewayPorts {
  graph: GraphSource;
  campaigns: CampaignSource;
  images: ImageSource;
  deadLetters: DeadLetterSource;
  /** Absent: manual triggers answer 503 (no bus). */
  trigger?: TriggerSink;
  resolveDigest?: DigestResolver;
}
