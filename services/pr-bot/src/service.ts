import type { ConsumerSpec } from '@restack/bus';
import type { CommitIdentity, GitHubPort } from '@restack/github';
import { defineService, on, type ServiceDefinition } from '@restack/service';
import { onDispatchRequested, onScanCompleted, pollPullRequests } from './follow.js';
import { onPrRequested, type PrBotPorts, type PrBotSettings } from './handlers.js';
import { PR_BOT_BUCKET, branchRecordSchema, branchStore } from './state.js';

export const prBotConsumer = {
  durable: 'pr-bot',
  subjects: ['restack.pr.requested', 'restack.dispatch.requested', 'restack.scan.completed'],
  maxAttempts: 8,
  backoff: { initialMs: 500, maxMs: 30_000 },
} satisfies ConsumerSpec<
  'restack.pr.requested' | 'restack.dispatch.requested' | 'restack.scan.completed'
>;

/** The config pr-bot reads: `github.pullRequests` (branches, labels, reviewers) and `pullRequests`. */
export interface PrBotConfig {
  github?: {
    pullRequests?: Partial<
      Pick<PrBotSettings, 'branchPrefix' | 'labels' | 'reviewers' | 'teamReviewers' | 'draft'>
    >;
  };
  pullRequests?: { commitMessage?: string; pollSeconds?: number };
}

export interface PrBotOptions {
  github: GitHubPort;
  config: PrBotConfig;
  /** Commit author; GitHub uses the token's identity when absent. */
  author?: CommitIdentity;
  /** Overrides `pullRequests.pollSeconds`. */
  pollMs?: number;
}

export function prBotSettings(config: PrBotConfig, author?: CommitIdentity): PrBotSettings {
  const pr = config.github?.pullRequests ?? {};
  return {
    branchPrefix: pr.branchPrefix ?? 'restack/',
    labels: pr.labels ?? ['restack'],
    reviewers: pr.reviewers ?? [],
    teamReviewers: pr.teamReviewers ?? [],
    draft: pr.draft ?? false,
    commitMessage: config.pullRequests?.commitMessage ?? 'chore(deps): rebuild on {ref}@{digest}',
    ...(author ? { author } : {}),
  };
}

export function prBotService(options: PrBotOptions): ServiceDefinition<PrBotPorts> {
  const handle = on(prBotConsumer, async (event, ctx, ports: PrBotPorts) => {
    const scoped = { ...ports, log: ctx.log };
    switch (event.type) {
      case 'restack.pr.requested':
        return onPrRequested(event, scoped);
      case 'restack.dispatch.requested':
        return onDispatchRequested(event, scoped);
      case 'restack.scan.completed':
        return onScanCompleted(event, scoped);
    }
  });
  return defineService<PrBotPorts>({
    name: 'pr-bot',
    buckets: [PR_BOT_BUCKET],
    handlers: [handle],
    async setup(ctx) {
      return {
        github: options.github,
        branches: branchStore(await ctx.bus.kv(PR_BOT_BUCKET.name, branchRecordSchema)),
        publish: (event) => ctx.bus.publish(event),
        log: ctx.log,
        settings: prBotSettings(options.config, options.author),
      };
    },
    async start(ctx, ports) {
      const leases = await ctx.bus.leases();
      const every = options.pollMs ?? (options.config.pullRequests?.pollSeconds ?? 60) * 1000;
      const holder = `${ctx.bus.name}-${process.pid}-${Math.random().toString(36).slice(2)}`;
      let running: Promise<void> | undefined;
      const timer = setInterval(() => {
        running ??= (async () => {
          const lease = await leases.acquire('pr-bot-poll', holder, every * 3);
          if (lease) await pollPullRequests(ports);
        })()
          .catch((e: unknown) => ctx.log.warn({ err: String(e) }, 'pull request poll failed'))
          .finally(() => (running = undefined));
      }, every);
      return async () => {
        clearInterval(timer);
        await running;
      };
    },
  });
}
