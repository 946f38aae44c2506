import type { Logger } from '@restack/core';
import type { RestackEvent } from '@restack/events';
import type { PromoteSettings } from '@restack/promote';
import type { RepositorySources, TargetBuildRequest, TargetBuildResult } from '@restack/rebuild';

/** What the catalog says about building one image: restack.yaml `images[]`. */
export interface ImageBuildSettings {
  buildArgs: Record<string, string>;
  target?: string;
  platform?: string;
  /** Set: the build goes to a staging reference, never to the production tags. */
  promote?: PromoteSettings;
}

/** A build that completed: the events that said so, sent again as they are on a redelivery. */
export interface BuildRecord {
  campaignId: string;
  targetId: string;
  digest: string;
  /** The exact commit built; null for a plain folder. */
  revision: string | null;
  builtAt: string;
  events: RestackEvent[];
}

/** Done builds by campaign and target (a KV bucket); written before the request is acked. */
export interface BuildRecords {
  get(campaignId: string, targetId: string): Promise<BuildRecord | null>;
  put(record: BuildRecord): Promise<void>;
}

export interface BuilderPorts {
  /** Pins, builds, pushes (@restack/rebuild buildTarget over the engine). */
  build(request: TargetBuildRequest): Promise<TargetBuildResult>;
  sources: RepositorySources;
  /**
   * The digest `registry/app:tag` points at now (before the push); null when the
   * tag does not exist, undefined when the registry could not say.
   */
  previousDigest(reference: string): Promise<string | null | undefined>;
  /** The image a tag points at now and its labels; null when missing, undefined when unknown. */
  currentImage?(
    reference: string,
  ): Promise<{ digest: string; labels: Record<string, string> } | null | undefined>;
  settings(image: string, tags: readonly string[]): ImageBuildSettings;
  records: BuildRecords;
  publish(event: RestackEvent): Promise<void>;
  clock(): Date;
}

/** Which delivery this is, from the bus. */
export interface Delivery {
  log: Logger;
  attempt: number;
  maxAttempts: number;
  signal?: AbortSignal;
}
