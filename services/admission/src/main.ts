#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { connectBus, type Bus } from '@restack/bus';
import { loadConfig } from '@restack/config';
import { createLogger, errorMessage } from '@restack/core';
import { kvSeenRecorder } from './seen.js';
import { startAdmission } from './start.js';

/**
 * The webhook process: `node services/admission/dist/main.js --config FILE
 * --tls-cert FILE --tls-key FILE [--port 8443] [--fail-mode open|closed]
 * [--deadline-ms N] [--cache-ttl-ms N]`. Each flag also reads RESTACK_ADMISSION_<FLAG>.
 */
async function main(): Promise<void> {
  const env = process.env;
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: env.RESTACK_CONFIG ?? '/etc/restack/restack.yaml' },
      'tls-cert': {
        type: 'string',
        default: env.RESTACK_ADMISSION_TLS_CERT ?? '/etc/restack/tls/tls.crt',
      },
      'tls-key': {
        type: 'string',
        default: env.RESTACK_ADMISSION_TLS_KEY ?? '/etc/restack/tls/tls.key',
      },
      port: { type: 'string', default: env.RESTACK_ADMISSION_PORT ?? '8443' },
      'fail-mode': { type: 'string', default: env.RESTACK_ADMISSION_FAIL_MODE ?? 'open' },
      'deadline-ms': { type: 'string', default: env.RESTACK_ADMISSION_DEADLINE_MS ?? '2500' },
      'cache-ttl-ms': { type: 'string', default: env.RESTACK_ADMISSION_CACHE_TTL_MS ?? '300000' },
    },
  });
  const logger = createLogger({ name: 'admission', level: env.RESTACK_LOG_LEVEL ?? 'info' });
  const loaded = await loadConfig(values.config!);
  // With NATS configured, the images reviewed are recorded for the scanner's scheduled rescans.
  // The webhook starts without waiting for NATS (reviews must not depend on it); a failed
  // connection is tried again at the next record.
  const nats = loaded.config.nats;
  let connecting: Promise<Bus> | null = null;
  const bus = nats
    ? () =>
        (connecting ??= connectBus({ name: 'restack-admission', connection: nats, logger }).catch(
          (e: unknown) => {
            connecting = null;
            throw e;
          },
        ))
    : null;
  const admission = await startAdmission({
    loaded,
    tls: { cert: await readFile(values['tls-cert']!), key: await readFile(values['tls-key']!) },
    port: Number(values.port),
    settings: {
      failMode: values['fail-mode'] as 'open' | 'closed',
      deadlineMs: Number(values['deadline-ms']),
      cacheTtlMs: Number(values['cache-ttl-ms']),
    },
    logger,
    ...(bus ? { seen: kvSeenRecorder(bus, logger) } : {}),
  });
  const stop = () =>
    void admission
      .close()
      .then(() => connecting?.then((b) => b.close()).catch(() => undefined))
      .then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`restack admission: ${errorMessage(e)}\n`);
  process.exit(2);
});
