import { loadConfig } from '@restack/config';
import { createLogger } from '@restack/core';
import { loadGraph } from '@restack/graph';
import { createRegistryClient, resolveDigests } from '@restack/registry';
import { parseCommandArgs, printJson, requireOption } from '../args.js';

export const digestsHelp = `restack digests --config FILE [--json]
  Resolves, once each, every external reference of the graph and every catalog image
  and prints [{ref, digest, mediaType, platforms, error}] (digest null and error a
  sentence when the lookup failed). One registry lookup per unique reference: a HEAD
  when the registry sends Docker-Content-Digest. Credentials come from DOCKER_CONFIG
  or ~/.docker/config.json. Exit 0 when all resolved, 1 otherwise.`;

export async function digestsCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('digests', argv, {
    config: { type: 'string', short: 'c' },
    json: { type: 'boolean' },
  });
  const loaded = await loadConfig(requireOption('digests', values.config, '--config'));
  const graph = await loadGraph(loaded);
  const refs = [
    ...graph.external.map((x) => x.ref),
    ...graph.nodes.flatMap((n) => n.images.flatMap((i) => i.tags.map((t) => `${i.name}:${t}`))),
  ];
  const client = createRegistryClient({
    registries: loaded.config.registries,
    logger: createLogger({ name: 'digests', level: process.env.RESTACK_LOG_LEVEL ?? 'warn' }),
  });
  try {
    const reports = await resolveDigests(refs, client);
    printJson(
      reports.map((r) => ({
        ref: r.ref,
        digest: r.digest,
        mediaType: r.mediaType,
        platforms: r.status === 'ok' ? (r.platforms ?? {}) : null,
        error: r.error,
      })),
    );
    return reports.every((r) => r.status === 'ok') ? 0 : 1;
  } finally {
    await client.close();
  }
}
