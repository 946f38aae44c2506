import { describeReference } from '@restack/reference';
import { parseCommandArgs, printJson } from '../args.js';

export const refHelp = `restack ref [--json] REF...
  Parses image references as Docker does and prints a JSON array, one object per
  input: {input, valid, name, familiar, domain, path, tag, digest, effectiveTag, error}.
  Exit 0 when every reference is valid, 1 otherwise.`;

export async function refCommand(argv: string[]): Promise<number> {
  const { positionals } = parseCommandArgs('ref', argv, { json: { type: 'boolean' } });
  const reports = positionals.map(describeReference);
  printJson(reports);
  return reports.every((r) => r.valid) ? 0 : 1;
}
