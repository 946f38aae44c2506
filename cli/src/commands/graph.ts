import { RestackError } from '@restack/core';
import { loadConfig } from '@restack/config';
import { graphDot, graphJson, graphMermaid, loadGraph } from '@restack/graph';
import { parseCommandArgs, parseKeyValues, printJson, requireOption } from '../args.js';

export const graphHelp = `restack graph --config FILE [--format json|dot|mermaid] [--build-arg K=V]...
  Indexes every Dockerfile of the config's sources and prints the dependency graph:
  {nodes, edges, external, errors}. Exit 1 when the graph has errors (cycles, bad files).`;

const formats = ['json', 'dot', 'mermaid'] as const;

export async function graphCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('graph', argv, {
    config: { type: 'string', short: 'c' },
    format: { type: 'string', default: 'json' },
    'build-arg': { type: 'string', multiple: true },
  });
  const format = values.format ?? 'json';
  if (!formats.includes(format as (typeof formats)[number])) {
    throw new RestackError('cli.usage', `unknown --format "${format}"`, {
      fix: `use one of ${formats.join(', ')}`,
    });
  }
  const loaded = await loadConfig(requireOption('graph', values.config, '--config'));
  const graph = await loadGraph(loaded, {
    buildArgs: parseKeyValues(values['build-arg'], '--build-arg'),
  });
  if (format === 'json') printJson(graphJson(graph));
  else process.stdout.write(format === 'dot' ? graphDot(graph) : graphMermaid(graph));
  return graph.errors.length ? 1 : 0;
}
