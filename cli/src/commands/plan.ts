import { RestackError } from '@restack/core';
import { loadConfig } from '@restack/config';
import { loadGraph, planChange } from '@restack/graph';
import { parseReference, type ImageReference } from '@restack/reference';
import { parseCommandArgs, parseKeyValues, printJson, requireOption } from '../args.js';

export const planHelp = `restack plan --config FILE --changed REF [--changed REF]... [--build-arg K=V]...
  Prints what must be rebuilt, parents before children, if REF moves:
  {changed, waves: [[dockerfile, ...], ...], unaffected}. A reference nothing uses
  gives empty waves.`;

export async function planCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('plan', argv, {
    config: { type: 'string', short: 'c' },
    changed: { type: 'string', multiple: true },
    'build-arg': { type: 'string', multiple: true },
  });
  const configFile = requireOption('plan', values.config, '--config');
  const changed = parseChanged(values.changed);
  const graph = await loadGraph(await loadConfig(configFile), {
    buildArgs: parseKeyValues(values['build-arg'], '--build-arg'),
  });
  const plan = planChange(graph, changed);
  printJson(plan);
  return 0;
}

export function parseChanged(values: string[] | undefined): ImageReference[] {
  if (!values?.length) {
    throw new RestackError('cli.usage', '--changed REF is required', {
      fix: 'name the image that moved, e.g. --changed debian:bookworm',
    });
  }
  return values.map((v) => {
    const parsed = parseReference(v);
    if (!parsed.ok)
      throw new RestackError('cli.usage', `--changed "${v}": ${parsed.error}`, {
        fix: 'give a valid image reference',
      });
    return parsed.ref;
  });
}
