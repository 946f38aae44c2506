import { loadConfig } from '@restack/config';
import { createLogger, RestackError } from '@restack/core';
import { startRuntime } from '@restack/service';
import { parseCommandArgs } from '../args.js';
import { registryClientOf, restackServices } from '../up/services.js';
import { gatewayService } from '../up/gateway.js';
import { exampleConfigPath, stateDirectory } from '../up/state.js';

export const serviceHelp = `restack service NAME [--config FILE] [--port N] [--state DIR]
  Runs one service in this process, as a deployment does (one container per
  service). NATS comes from the config's nats.servers or RESTACK_NATS__SERVERS.
  /livez, /readyz and /metrics listen on --port (default 9090). SIGTERM or
  SIGINT finishes the work in flight, drains NATS and exits.`;

export async function serviceCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('service', argv, {
    config: { type: 'string', short: 'c' },
    port: { type: 'string', short: 'p' },
    state: { type: 'string' },
  });
  const name = positionals[0];
  const loaded = await loadConfig(values.config ?? exampleConfigPath());
  const log = createLogger({ name: name ?? 'restack' });
  const registryClient = registryClientOf(loaded, log);
  const all = [
    ...(await restackServices(loaded, {
      log,
      stateDir: stateDirectory(values.state),
      registryClient,
    })),
    gatewayService(loaded, log, registryClient),
  ];
  const service = all.find((s) => s.name === name);
  if (!service) {
    throw new RestackError(
      'cli.usage',
      name ? `unknown service "${name}"` : 'name the service to run',
      {
        fix: `use one of: ${all.map((s) => s.name).join(', ')}`,
      },
    );
  }
  if (!loaded.config.nats) {
    throw new RestackError('service.nats', 'no NATS is configured', {
      fix: 'set nats.servers in the config or RESTACK_NATS__SERVERS=nats://host:4222 (restack up starts one for you)',
    });
  }
  const runtime = await startRuntime({
    name: service.name,
    services: [service],
    nats: loaded.config.nats,
    streams: loaded.config.streams,
    logger: log,
    http: { port: values.port === undefined ? 9090 : Number(values.port) },
    handleSignals: true,
  });
  await runtime.ready;
  // handleSignals: the runtime exits the process after a clean stop.
  await new Promise(() => undefined);
  return 0;
}
