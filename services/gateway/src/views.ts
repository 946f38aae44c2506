import type { Plan } from '@restack/graph';

/** What `GET /api/graph` serves: exactly the JSON of `restack graph` (graphJson). */
export interface GraphView {
  nodes: {
    dockerfile: string;
    images: { name: string; tags: string[]; source: string; file: string }[];
  }[];
  edges: { from: string; to: string; ref: string; kind: string }[];
  external: { ref: string; dependents: string[] }[];
  errors: { file?: string; line?: number | null; message: string }[];
}

export type PlanView = Plan;

export const TARGET_STATES = [
  'pending',
  'requested',
  'pr-open',
  'pr-merged',
  'building',
  'built',
  'dispatched',
  'rebuilt',
  'failed',
  'blocked',
  'closed',
  'superseded',
  'stale',
] as const;
export type TargetState = (typeof TARGET_STATES)[number];

export const CAMPAIGN_STATES = ['running', 'succeeded', 'failed', 'superseded'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

export interface TargetView {
  id: string;
  wave: number;
  image: string | null;
  repository: string;
  dockerfile: string;
  strategy: string;
  state: TargetState;
  pr: { number: number; url: string; state: string } | null;
  build: { digest: string; tags: string[]; image: string } | null;
  failure: string | null;
  /** The promotion gate, for images with `promote` config: staged, promoted or refused. */
  promotion?: { state: 'pending' | 'promoted' | 'refused'; staging: string | null };
  updatedAt: string;
}

export interface CampaignSummary {
  id: string;
  state: CampaignState;
  reason: string;
  trigger: { ref: string; previousDigest: string | null; digest: string };
  plannedAt: string;
  updatedAt: string;
  waves: number;
  /** Index of the first wave not finished yet; null when every wave is. */
  currentWave: number | null;
  counts: { total: number; done: number; failed: number; blocked: number };
}

export interface CampaignView extends CampaignSummary {
  wavesDetail: {
    index: number;
    targets: string[];
    done: number;
    state: 'waiting' | 'running' | 'done' | 'failed';
  }[];
  targets: TargetView[];
}

export interface EolView {
  reference: string;
  status: string;
  eolDate: string | null;
  replacement: string | null;
  reason: string;
}

export interface ImageView {
  name: string;
  tags: string[];
  dockerfile: string;
  /** Latest digest restack knows for the image, or null. */
  digest: string | null;
  builtAt: string | null;
  ageDays: number | null;
  bases: string[];
  /** The most urgent end-of-life state among its bases; null when no base is known. */
  eol: EolView | null;
  lastRebuild: { at: string; campaignId: string; digest: string } | null;
}

export interface DeprecatedReport {
  generatedAt: string;
  images: {
    name: string;
    dockerfile: string;
    base: string;
    status: string;
    eolDate: string | null;
    replacement: string | null;
    reason: string;
    ageDays: number | null;
  }[];
}

export interface TriggerResult {
  accepted: true;
  eventId: string;
  type: 'restack.digest.changed';
  ref: string;
  digest: string;
}
