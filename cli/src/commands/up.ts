import { once } from 'node:events';
import { loadConfig } from '@restack/config';
import { createLogger, RestackError } from '@restack/core';
import { startRuntime } from '@restack/service';
import { startGateway } from '@restack/svc-gateway';
import { parseCommandArgs } from '../args.js';
import { startEmbeddedNats, type EmbeddedNats } from '../up/nats-server.js';
import { registryClientOf, restackServices } from '../up/services.js';
import { gatewayOptions } from '../up/gateway.js';
import { upRoutes, webhooksOnGateway } from '../up/routes.js';
import { exampleConfigPath, stateDirectory } from '../up/state.js';

export const upHelp = `restack up [--config FILE] [--port N] [--state DIR]
  Runs every restack service in one process. Without a configured NATS
  (nats.servers in the config, or RESTACK_NATS__SERVERS) it starts a local
  nats-server with its data under the state folder (default ./.restack).
  Without --config it runs on the example organisation in examples/acme.
  The dashboard, API, /livez, /readyz, /metrics and the webhooks
  (POST /webhooks/<kind> for registries, POST /webhooks/github-push) are on
  --port (default gateway.port, 8080). Ctrl-C stops it cleanly.`;

export async function upCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('up', argv, {
    config: { type: 'string', short: 'c' },
    port: { type: 'string', short: 'p' },
    state: { type: 'string' },
  });
  const log = createLogger({ name: 'restack' });
  const loaded = await loadConfig(values.config ?? exampleConfigPath());
  const port = values.port === undefined ? loaded.config.gateway.port : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RestackError('cli.usage', `--port "${values.port}" is not a port number`, {
      fix: 'use a number from 0 to 65535',
    });
  }
  const stateDir = stateDirectory(values.state);

  let embedded: EmbeddedNats | undefined;
  const nats = loaded.config.nats ?? {
    servers: (embedded = await startEmbeddedNats(stateDir, log)).url,
  };
  const wiring = { log, stateDir, registryClient: registryClientOf(loaded, log) };
  const services = await restackServices(loaded, wiring);
  webhooksOnGateway(services);
  const runtime = await startRuntime({
    name: 'restack',
    services,
    nats,
    streams: loaded.config.streams,
    logger: log,
    handleSignals: false,
  });
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  try {
    await runtime.ready;
    const bus = runtime.bus();
    gateway = await startGateway({
      ...gatewayOptions(loaded, log, wiring.registryClient),
      ...(bus ? { bus, routes: upRoutes(services, bus, log.child({ service: 'gateway' })) } : {}),
      port,
      metrics: { registry: runtime.metrics },
      notReady: () => (runtime.isReady() ? [] : ['services starting']),
    }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EADDRINUSE') throw e;
      throw new RestackError('up.port', `port ${port} is already in use`, {
        fix: 'pass another with --port N (0 picks a free one), or stop what listens there',
      });
    });
    process.stderr.write(`restack is up: dashboard ${gateway.url}/  (Ctrl-C stops it)\n`);
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    process.stderr.write('restack: stopping\n');
  } finally {
    await gateway?.close();
    await runtime.stop('shutdown');
    await embedded?.stop();
  }
  return 0;
}
