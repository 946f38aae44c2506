import { extractDockerfileFile, toExtractJson } from '@restack/dockerfile';
import { parseCommandArgs, parseKeyValues, printJson } from '../args.js';

export const extractHelp = `restack extract [--json] [--build-arg K=V]... FILE...
  Lists every image each Dockerfile depends on (FROM, COPY/ADD --from, RUN --mount from=)
  as a JSON array, one entry per file: {file, references, stages, errors}.
  Exit 1 when any file had errors.`;

export async function extractCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('extract', argv, {
    json: { type: 'boolean' },
    'build-arg': { type: 'string', multiple: true },
  });
  const buildArgs = parseKeyValues(values['build-arg'], '--build-arg');
  const results = [];
  for (const file of positionals) {
    results.push(toExtractJson(await extractDockerfileFile(file, { buildArgs })));
  }
  printJson(results);
  return results.some((r) => r.errors.length > 0) ? 1 : 0;
}
