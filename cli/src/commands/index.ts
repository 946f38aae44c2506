// The command table: one line per command. Each command lives in its own
// file and exports `<name>Command(argv): Promise<number>` and `<name>Help`.
import { bumpCommand, bumpHelp } from './bump.js';
import { digestsCommand, digestsHelp } from './digests.js';
import { extractCommand, extractHelp } from './extract.js';
import { graphCommand, graphHelp } from './graph.js';
import { planCommand, planHelp } from './plan.js';
import { refCommand, refHelp } from './ref.js';
import { schemaCommand, schemaHelp } from './schema.js';
import { upCommand, upHelp } from './up.js';

export interface Command {
  run: (argv: string[]) => Promise<number>;
  help: string;
}

export const commands: Record<string, Command> = {
  up: { run: upCommand, help: upHelp },
  ref: { run: refCommand, help: refHelp },
  extract: { run: extractCommand, help: extractHelp },
  graph: { run: graphCommand, help: graphHelp },
  plan: { run: planCommand, help: planHelp },
  digests: { run: digestsCommand, help: digestsHelp },
  bump: { run: bumpCommand, help: bumpHelp },
  schema: { run: schemaCommand, help: schemaHelp },
};
