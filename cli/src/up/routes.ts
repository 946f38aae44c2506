import type { Bus } from '@restack/bus';
import type { Logger } from '@restack/core';
import type { RuntimeOptions } from '@restack/service';
import { githubPushRoute, registryWebhookRoute, type MountedRoute } from '@restack/svc-gateway';
import { isRegistryWatcherService } from '@restack/svc-registry-watcher';

/**
 * Makes the registry watcher leave its webhooks to the gateway: call before
 * the runtime starts. Returns whether a watcher is among the services.
 */
export function webhooksOnGateway(services: RuntimeOptions['services']): boolean {
  const watcher = services.find(isRegistryWatcherService);
  watcher?.serveWebhooksElsewhere();
  return watcher !== undefined;
}

/**
 * The webhook routes `restack up` mounts on the gateway, so that one port
 * serves everything: `POST /webhooks/github-push` (forwarded to the graph
 * service) and `POST /webhooks/<kind>` (the registry watcher's handler).
 */
export function upRoutes(
  services: RuntimeOptions['services'],
  bus: Bus,
  log: Logger,
): MountedRoute[] {
  const routes: MountedRoute[] = [];
  if (services.some((s) => s.name === 'graph')) routes.push(githubPushRoute(bus, log));
  const watcher = services.find(isRegistryWatcherService);
  if (watcher) {
    routes.push(
      registryWebhookRoute(async (kind, req) => {
        const running = watcher.watcher;
        if (!running) {
          return { status: 503, body: { error: 'the registry watcher is not running' } };
        }
        return running.handleWebhook(kind, req);
      }),
    );
  }
  return routes;
}
