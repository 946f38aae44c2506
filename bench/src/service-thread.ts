// One service of the load pipeline in its own thread, with its own NATS
// connection: as deployed (one process per service), but inside the bench.
import { parentPort, workerData } from 'node:worker_threads';
import { startRuntime } from '@restack/service';
import { createLogger, silentLogger } from '@restack/core';
import { downstreamService, type DownstreamRole } from './services.js';

interface Data {
  role: DownstreamRole;
  natsUrl: string;
  config: string;
}

const { role, natsUrl, config } = workerData as Data;
const runtime = await startRuntime({
  name: `bench-load-${role}`,
  services: [await downstreamService(role, config)],
  nats: { servers: natsUrl },
  // RESTACK_LOG_LEVEL=warn shows what the services complain about.
  logger: process.env.RESTACK_LOG_LEVEL
    ? createLogger({ name: `bench-load-${role}` })
    : silentLogger(),
  handleSignals: false,
});
await runtime.ready;
parentPort!.on('message', (m: string) => {
  if (m !== 'stop') return;
  void runtime.stop('bench done').then(() => parentPort!.postMessage('stopped'));
});
parentPort!.postMessage('ready');
