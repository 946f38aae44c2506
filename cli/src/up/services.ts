import type { LoadedConfig } from '@restack/config';
import { RestackError, type Logger } from '@restack/core';
import { loadGraph } from '@restack/graph';
import { createRegistryClient, type RegistryClient } from '@restack/registry';
import { withBus, type RuntimeOptions } from '@restack/service';
import type { Bus } from '@restack/bus';
import { registryWatcherService, watchedReferences } from '@restack/svc-registry-watcher';
import { graphEndpoints, graphService, withGraphPlanner } from '@restack/svc-graph';
import { dispatcherService } from '@restack/svc-dispatcher';
import { prBotService } from '@restack/svc-pr-bot';
import { builderService } from '@restack/svc-builder';
import { graphBaseRefs, scannerService } from '@restack/svc-scanner';
import { promoterService } from '@restack/svc-promoter';
import { configuredDashboards, lifecycleService, loadedInputs } from '@restack/svc-lifecycle';
import { resolveEngineUrl } from '@restack/engine';
import { localRepositories } from '@restack/rebuild';
import { localRepositoryName } from '@restack/sources';
import { gitHubPortFromConfig } from '@restack/github';
import path from 'node:path';

export interface ServiceWiring {
  log: Logger;
  stateDir: string;
  /** The one registry client of the process, so its per-registry limits hold across services. */
  registryClient: RegistryClient;
}

/** The registry client every service and the gateway of one process share. */
export function registryClientOf(loaded: LoadedConfig, log: Logger): RegistryClient {
  return createRegistryClient({
    registries: loaded.config.registries,
    logger: log.child({ component: 'registry' }),
  });
}

/** Every service restack runs, wired to the config, for one process or one each. */
export async function restackServices(
  loaded: LoadedConfig,
  wiring: ServiceWiring,
): Promise<RuntimeOptions['services']> {
  const { registryClient } = wiring;
  const github = gitHubPortFromConfig(loaded.config.github, {
    baseDir: loaded.baseDir,
    logger: wiring.log.child({ component: 'github' }),
  });
  const { config } = loaded;
  const services: Array<RuntimeOptions['services'][number]> = [
    graphService({
      config: loaded,
      ...(github ? { github } : {}),
      cacheDir: path.join(wiring.stateDir, 'sources'),
      ...(process.env.RESTACK_GITHUB_WEBHOOK_SECRET
        ? { webhookSecret: process.env.RESTACK_GITHUB_WEBHOOK_SECRET }
        : {}),
    }),
    // image.stale campaigns: the graph plans the image's Dockerfile and its descendants.
    withGraphPlanner((planner) =>
      dispatcherService({
        config: {
          actions: config.actions,
          dryRun: config.dryRun,
          limits: config.limits,
          pullRequests: config.pullRequests,
        },
        planner,
      }),
    ),
    withBus((bus) =>
      registryWatcherService({
        registryClient,
        graphSource: async () => watchedReferences(await currentGraph(bus(), loaded, wiring.log)),
        config: loaded.config.watch,
      }),
    ),
  ];
  services.push(
    withBus((bus) =>
      scannerService({
        scanner: config.scanner,
        registries: config.registries,
        // What scanner.rescan covers, with the images the admission webhook saw.
        images: config.images,
        // Images without base labels: the FROM of the Dockerfile that produces them.
        baseRefs: async (ref) => graphBaseRefs(await currentGraph(bus(), loaded, wiring.log), ref),
      }),
    ),
  );
  services.push(
    lifecycleService({
      inputs: loadedInputs(loaded),
      registry: registryClient,
      reportDir: path.join(wiring.stateDir, 'reports'),
      // One "Base image dashboard" issue per repository, when lifecycle.dashboardIssues.enabled.
      dashboards: configuredDashboards(github, config.lifecycle),
    }),
  );
  // The promotion gate: staged builds of images with `promote` reach production only if they pass.
  services.push(
    promoterService({
      images: config.images,
      policies: config.policies,
      lifecycle: config.lifecycle,
      registries: config.registries,
      ...(github ? { github } : {}),
    }),
  );
  const engine = engineUrl(wiring.log);
  if (engine) {
    services.push(
      builderService({
        engine,
        sources: localRepositories(localClones(loaded)),
        ...(github ? { github } : {}),
        images: config.images,
        registries: config.registries,
      }),
    );
  }
  if (github) {
    services.push(
      prBotService({
        github,
        config: { github: config.github, pullRequests: config.pullRequests },
      }),
    );
  } else {
    wiring.log.warn(
      {},
      'no github section in the config: pull requests cannot be opened, only recorded',
    );
  }
  return services;
}

/**
 * The graph the graph service holds (it keeps it current from webhooks and
 * fetches), so a poll does not re-read every source; the config's sources
 * only when no graph service answers (it runs elsewhere and is down).
 */
async function currentGraph(bus: Bus, loaded: LoadedConfig, log: Logger) {
  try {
    return await bus.request(graphEndpoints.graph, {}, 10_000);
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'graph service did not answer; reading the sources');
    return loadGraph(loaded);
  }
}

/** Resolves a tag's current digest for the dashboard's manual trigger. */
export function digestResolver(client: RegistryClient): (ref: string) => Promise<string> {
  return async (ref) => {
    const result = await client.resolve(ref, { platforms: false });
    if (!result.ok) {
      throw new RestackError('up.resolve', result.reason, { fix: 'give the digest explicitly' });
    }
    return result.value.digest;
  };
}

/** The container engine for builds, or undefined (build actions then fail and say why). */
function engineUrl(log: Logger): string | undefined {
  try {
    return resolveEngineUrl().url;
  } catch (e) {
    log.warn(
      { err: (e as Error).message },
      'no container engine: restack cannot build images itself',
    );
    return undefined;
  }
}

/** Path sources as the graph service names their repositories (`local/<folder>`). */
function localClones(loaded: LoadedConfig): Record<string, string> {
  const clones: Record<string, string> = {};
  for (const source of loaded.config.sources) {
    if (!('path' in source)) continue;
    const root = path.resolve(loaded.baseDir, source.path);
    clones[localRepositoryName(root)] = root;
  }
  return clones;
}
