import { once } from 'node:events';
import { loadConfig } from '@restack/config';
import { createLogger, RestackError } from '@restack/core';
import { startRuntime } from '@restack/service';
import { parseCommandArgs } from '../args.js';
import { startEmbeddedNats, type EmbeddedNats } from '../up/nats-server.js';
import { restackServices } from '../up/services.js';
import { exampleConfigPath, stateDirectory } from '../up/state.js';

export const upHelp = `restack up [--config FILE] [--port N] [--state DIR]
  Runs every restack service in one process. Without a configured NATS
  (nats.servers in the config, or RESTACK_NATS__SERVERS) it starts a local
  nats-server with its data under the state folder (default ./.restack).
  Without --config it runs on the example organisation in examples/acme.
  Prints the dashboard's address; Ctrl-C stops it cleanly.`;

export async function upCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('up', argv, {
    config: { type: 'string', short: 'c' },
    port: { type: 'string', short: 'p' },
    state: { type: 'string' },
  });
  const port = values.port === undefined ? 8080 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RestackError('cli.usage', `--port "${values.port}" is not a port number`, {
      fix: 'use a number from 0 to 65535',
    });
  }
  const log = createLogger({ name: 'restack' });
  const loaded = await loadConfig(values.config ?? exampleConfigPath());
  const stateDir = stateDirectory(values.state);

  let embedded: EmbeddedNats | undefined;
  const nats = loaded.config.nats ?? {
    servers: (embedded = await startEmbeddedNats(stateDir, log)).url,
  };
  const runtime = await startRuntime({
    name: 'restack',
    services: await restackServices(loaded, { log, stateDir }),
    nats,
    streams: loaded.config.streams,
    logger: log,
    http: { port, host: '127.0.0.1' },
    handleSignals: false,
  });
  try {
    await runtime.ready;
    const http = runtime.http();
    const address = `http://${http?.host ?? '127.0.0.1'}:${http?.port ?? port}`;
    process.stderr.write(`restack is up: dashboard ${address}/  (Ctrl-C stops it)\n`);
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    process.stderr.write('restack: stopping\n');
  } finally {
    await runtime.stop('shutdown');
    await embedded?.stop();
  }
  return 0;
}
