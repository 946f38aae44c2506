import { loadConfig } from '@restack/config';
import { RestackError, createLogger } from '@restack/core';
import { createDockerodeEngine, resolveEngineUrl } from '@restack/engine';
import { loadGraph } from '@restack/graph';
import { engineCredentials, runCampaign } from '@restack/rebuild';
import { createDockerCredentialStore, createRegistryClient } from '@restack/registry';
import { createScanner, isInsecureRegistry, registryImageSource } from '@restack/scan';
import { parseCommandArgs, printJson, requireOption } from '../args.js';
import { parseChanged } from './plan.js';

export const rebuildHelp = `restack rebuild --config FILE --changed REF [--engine URL] [--dry-run]
  Runs a whole campaign in this process, without NATS: plans the waves for REF,
  resolves REF's current digest, then builds and pushes every affected Dockerfile
  parents first, each pinned to REF's digest and to its rebuilt parents' new
  digests, and rescans each image (base verification, package changes, and
  vulnerabilities when a scanner is configured). Prints one object per target in
  build order: {dockerfile, image, tags, digest, previousDigest, baseRef, baseDigest,
  verified, reasons, packages: {added, removed, upgraded, downgraded},
  vulnerabilities, notes, error}. Exit 0 when every target built and verified.
  --engine unix:///path or tcp://host:port (default DOCKER_HOST, then the usual
  sockets). --dry-run plans and resolves REF, builds nothing. Build logs go to
  stderr (RESTACK_LOG_LEVEL, default info).`;

export async function rebuildCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('rebuild', argv, {
    config: { type: 'string', short: 'c' },
    changed: { type: 'string', multiple: true },
    engine: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  });
  const loaded = await loadConfig(requireOption('rebuild', values.config, '--config'));
  const changed = parseChanged(values.changed);
  if (changed.length !== 1) {
    throw new RestackError('cli.usage', 'restack rebuild takes one --changed REF', {
      fix: 'run one campaign per moved image',
    });
  }
  const dryRun = values['dry-run'] ?? false;
  const logger = createLogger({ name: 'rebuild' });
  const credentials = createDockerCredentialStore(process.env);
  const registries = loaded.config.registries;
  const registry = createRegistryClient({ registries, credentials, logger });
  // A dry run never touches the engine, so it works without one.
  const engine = dryRun
    ? null
    : createDockerodeEngine({
        endpoint: resolveEngineUrl({ flag: values.engine }),
        logger,
        resolveDigest: async (reference) => {
          const found = await registry.resolve(reference);
          return found.ok ? found.value.digest : null;
        },
      });
  try {
    await engine?.ping();
    const graph = await loadGraph(loaded);
    const report = await runCampaign(
      {
        engine,
        registry,
        images: registryImageSource({ registries, credentials }),
        scanner: createScanner(loaded.config.scanner),
        insecure: isInsecureRegistry(registries),
        credentials: engineCredentials(credentials),
        logger,
      },
      { loaded, graph, changed: changed[0]!, dryRun },
    );
    printJson(report.targets);
    return report.ok ? 0 : 1;
  } finally {
    registry.close();
  }
}
