import type { z } from 'zod';
import type { LifecycleConfig } from '@restack/eol';
import type { Policy } from '@restack/lifecycle';
import type { RegistriesSettings, RegistryClient } from '@restack/registry';
import type { scanFactsSchema } from './schema.js';

export const VERDICT_RESULTS = ['pass', 'warn', 'fail', 'not-evaluated'] as const;
export type VerdictResult = (typeof VERDICT_RESULTS)[number];

/** One rule's outcome, with what an audit needs to tell why. */
export interface PromotionVerdict {
  policy: string;
  rule: string;
  result: VerdictResult;
  message: string;
  policyVersion: string;
  scanner: { name: string; databaseUpdatedAt: string | null } | null;
  sources: Array<{ kind: string; detail: string }>;
}

export interface PromotionResult {
  /** The staging reference as given, normalised. */
  image: string;
  digest: string;
  /** Production references now at `digest` (already there ones included). */
  promoted: string[];
  verdicts: PromotionVerdict[];
  outcome: 'promoted' | 'refused';
  /** Why it was refused; null when promoted. */
  reason: string | null;
}

/** What a scan tells the gate. */
export type ScanFacts = z.output<typeof scanFactsSchema>;

export interface PromotionRequest {
  /** Staging reference (tag or digest). */
  image: string;
  /** Production tags ('1.2', relative to `repository`) or full references (host/repo:tag). */
  to: string[];
  /** The production repository bare tags belong to; default the staging reference's. */
  repository?: string;
  policies: Policy[];
  lifecycle?: LifecycleConfig;
  registry: RegistryClient;
  /** For plain-http registries. */
  registries: RegistriesSettings;
  /** From restack.scan.completed, when the caller has it. */
  scan?: ScanFacts;
  /** The image's Dockerfile FROM references, when known (for images without base labels). */
  baseRefs?: string[];
  now: Date;
}
