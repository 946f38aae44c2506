import { RestackError } from '@restack/core';
import { refreshCatalog } from '@restack/eol';
import { parseInstant } from '@restack/lifecycle';
import { parseCommandArgs, printJson } from '../args.js';

export const eolHelp = `restack eol refresh [--data-dir DIR] [--base-url URL] [--now DATE]
  Fetches every product of the end-of-life catalog from endoflife.date and rewrites
  the data files (the bundled data unless --data-dir): {dataDate, previousDataDate,
  products: [{product, api, url, cycles}]}. Everything is fetched and validated
  before anything is written: offline or on a bad answer it fails (exit 2) with the
  data untouched. --now sets the refreshed data's date.`;

export async function eolCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('eol', argv, {
    'data-dir': { type: 'string' },
    'base-url': { type: 'string' },
    now: { type: 'string' },
  });
  if (positionals[0] !== 'refresh' || positionals.length !== 1) {
    throw new RestackError('cli.usage', 'restack eol: the only subcommand is "refresh"', {
      fix: 'run "restack eol refresh"',
    });
  }
  const result = await refreshCatalog({
    now: values.now ? parseInstant(values.now) : new Date(),
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    ...(values['base-url'] ? { baseUrl: values['base-url'] } : {}),
  });
  printJson(result);
  return 0;
}
