import type { ConsumerSpec } from '@restack/bus';
import type { LifecycleConfig } from '@restack/eol';
import type { GitHubPort } from '@restack/github';
import type { Policy } from '@restack/lifecycle';
import { promoteImage, type PromoteSettings } from '@restack/promote';
import { parseReference } from '@restack/reference';
import {
  createDockerCredentialStore,
  createRegistryClient,
  type CredentialStore,
  type RegistriesSettings,
} from '@restack/registry';
import { defineService, on, type ServiceDefinition } from '@restack/service';
import { handleScanCompleted, handleStaged, reportStatus } from './handler.js';
import type { PromoterPorts } from './ports.js';
import { PROMOTIONS_BUCKET, kvPromotionRecords, promotionRecordSchema } from './records.js';

export { STATUS_CONTEXT, handleScanCompleted, handleStaged, reportStatus } from './handler.js';
export type {
  Delivery,
  GateRequest,
  PromoterPorts,
  PromotionRecord,
  PromotionRecords,
  StagedBuild,
} from './ports.js';
export {
  PROMOTIONS_BUCKET,
  kvPromotionRecords,
  promotionKey,
  promotionRecordSchema,
} from './records.js';

export const promoterConsumer = {
  durable: 'promoter',
  subjects: ['restack.image.rebuilt', 'restack.scan.completed'],
  // Gating reads the image and its base; a copy mounts blobs. Seconds, not minutes.
  ackWaitMs: 60_000,
  maxAttempts: 5,
  backoff: { initialMs: 1_000, maxMs: 30_000 },
} satisfies ConsumerSpec<'restack.image.rebuilt' | 'restack.scan.completed'>;

/** The part of restack.yaml `images[]` the promoter reads. */
export interface PromotedImage {
  name: string;
  promote?: PromoteSettings;
}

export interface PromoterOptions {
  /** restack.yaml `images[]`: which images are gated, and by which policies. */
  images?: readonly PromotedImage[];
  /** restack.yaml `policies:`. */
  policies?: Policy[];
  /** restack.yaml `lifecycle:` (end-of-life look-ahead and mirrors). */
  lifecycle?: LifecycleConfig;
  /** restack.yaml `registries:`. */
  registries?: RegistriesSettings;
  /** Default Docker's config.json. */
  credentials?: CredentialStore;
  /** For the `restack/promotion` commit status; without it none is set. */
  github?: Pick<GitHubPort, 'setCommitStatus'>;
  clock?: () => Date;
}

function repository(name: string): string {
  const parsed = parseReference(name);
  return parsed.ok ? parsed.ref.name : name;
}

/**
 * The promoter as a service definition: consumes restack.image.rebuilt
 * (staged builds) and restack.scan.completed (their scans), runs the gate,
 * copies what passes to the production tags, and sends
 * restack.image.promoted or restack.promotion.refused.
 */
export function promoterService(options: PromoterOptions = {}): ServiceDefinition<PromoterPorts> {
  const handle = on(promoterConsumer, async (event, ctx, ports: PromoterPorts) => {
    if (event.type === 'restack.image.rebuilt') return handleStaged(event, ports);
    const events = await handleScanCompleted(event, ports, ctx);
    if (events.length > 0 && event.data.campaignId !== undefined) {
      // The status first: whoever sees the event finds the commit already marked.
      const record = await ports.records.get(
        event.data.campaignId,
        event.data.image,
        event.data.digest,
      );
      await reportStatus(events, record, ports, ctx.log);
    }
    for (const e of events) await ports.publish(e);
  });
  const gated = (options.images ?? []).filter((i) => i.promote);
  const stagingRepositories = new Set(
    gated.map((i) => repository(i.promote?.stagingRepository ?? i.name)),
  );
  const allPolicies = options.policies ?? [];
  return defineService<PromoterPorts>({
    name: 'promoter',
    buckets: [PROMOTIONS_BUCKET],
    handlers: [handle],
    async setup(ctx) {
      const registries = options.registries ?? {};
      const registry = createRegistryClient({
        registries,
        credentials: options.credentials ?? createDockerCredentialStore(process.env),
        logger: ctx.log,
      });
      const clock = options.clock ?? (() => new Date());
      const github = options.github;
      return {
        records: kvPromotionRecords(
          await ctx.bus.kv(PROMOTIONS_BUCKET.name, promotionRecordSchema),
        ),
        gate: (request) => {
          // promote.policies names the gating policies; default every policy whose match selects the image.
          const names = gated.find((i) => repository(i.name) === repository(request.production))
            ?.promote?.policies;
          const policies = names ? allPolicies.filter((p) => names.includes(p.name)) : allPolicies;
          return promoteImage({
            image: request.image,
            to: request.to,
            policies,
            ...(options.lifecycle ? { lifecycle: options.lifecycle } : {}),
            registry,
            registries,
            scan: request.scan,
            baseRefs: request.baseRefs,
            now: clock(),
          });
        },
        isStagingRepository: (image) => stagingRepositories.has(repository(image)),
        ...(github
          ? {
              commitStatus: async (repo, sha, status) => {
                const [owner, name] = repo.split('/');
                await github.setCommitStatus({ owner: owner!, repo: name! }, sha, status);
              },
            }
          : {}),
        publish: async (event) => void (await ctx.bus.publish(event)),
        clock,
      };
    },
  });
}
