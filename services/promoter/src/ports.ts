import type { Logger } from '@restack/core';
import type { RestackEvent } from '@restack/events';
import type { CommitStatus } from '@restack/github';
import type { PromotionResult, ScanFacts } from '@restack/promote';

/** A build staged for promotion: what image.rebuilt said, kept until its scan arrives. */
export interface StagedBuild {
  campaignId: string;
  targetId?: string;
  /** Staging repository and the digest pushed there. */
  stagingImage: string;
  staging: string;
  digest: string;
  /** Production repository and tags. */
  image: string;
  to: string[];
  repository?: string;
  revision: string | null;
  baseRef: string;
}

/** One staged build and, once the gate ran, the events that reported it. */
export interface PromotionRecord {
  staged: StagedBuild;
  decidedAt?: string;
  events?: RestackEvent[];
}

/** By campaign, staging image and digest (a KV bucket). */
export interface PromotionRecords {
  get(campaignId: string, image: string, digest: string): Promise<PromotionRecord | null>;
  put(record: PromotionRecord): Promise<void>;
}

export interface GateRequest {
  /** Staging reference at the digest the scan saw. */
  image: string;
  /** Full production references. */
  to: string[];
  scan: ScanFacts;
  baseRefs: string[];
  /** The production repository, to find its `promote.policies`. */
  production: string;
}

export interface PromoterPorts {
  records: PromotionRecords;
  /** @restack/promote promoteImage with the config's policies, lifecycle and registries. */
  gate(request: GateRequest): Promise<PromotionResult>;
  /** Whether `image` (a repository) is pushed to under a promotion gate. */
  isStagingRepository(image: string): boolean;
  /** Absent without GitHub in the config. */
  commitStatus?: (repository: string, sha: string, status: CommitStatus) => Promise<void>;
  publish(event: RestackEvent): Promise<void>;
  clock(): Date;
}

export interface Delivery {
  log: Logger;
  attempt: number;
  maxAttempts: number;
}
