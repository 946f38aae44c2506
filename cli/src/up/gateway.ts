import type { LoadedConfig } from '@restack/config';
import type { Logger } from '@restack/core';
import type { RegistryClient } from '@restack/registry';
import { defineService, type ServiceDefinition } from '@restack/service';
import { startGateway, type GatewayOptions } from '@restack/svc-gateway';
import { digestResolver } from './services.js';

/** The gateway's settings from the config, for `restack up` and `restack service gateway`. */
export function gatewayOptions(
  loaded: LoadedConfig,
  log: Logger,
  registryClient: RegistryClient,
): Omit<GatewayOptions, 'bus'> {
  return {
    config: loaded,
    logger: log.child({ service: 'gateway' }),
    port: loaded.config.gateway.port,
    host: loaded.config.gateway.host,
    token: process.env[loaded.config.gateway.apiTokenEnv],
    resolveDigest: digestResolver(registryClient),
  };
}

/** The gateway as a service of its own process: its HTTP server lives as long as the runtime. */
export function gatewayService(
  loaded: LoadedConfig,
  log: Logger,
  registryClient: RegistryClient,
): ServiceDefinition {
  return defineService({
    name: 'gateway',
    async start(ctx) {
      const gateway = await startGateway({
        ...gatewayOptions(loaded, log, registryClient),
        bus: ctx.bus,
      });
      ctx.log.info({ url: gateway.url }, 'gateway listening');
      return () => gateway.close();
    },
  });
}
