// The command table: one line per command. Each command lives in its own
// file and exports `<name>Command(argv): Promise<number>` and `<name>Help`.
import { bumpCommand, bumpHelp } from './bump.js';
import { checkCommand, checkHelp } from './check.js';
import { digestsCommand, digestsHelp } from './digests.js';
import { eolCommand, eolHelp } from './eol.js';
import { extractCommand, extractHelp } from './extract.js';
import { graphCommand, graphHelp } from './graph.js';
import { planCommand, planHelp } from './plan.js';
import { promoteCommand, promoteHelp } from './promote.js';
import { rebuildCommand, rebuildHelp } from './rebuild.js';
import { refCommand, refHelp } from './ref.js';
import { reportCommand, reportHelp } from './report.js';
import { schemaCommand, schemaHelp } from './schema.js';
import { upCommand, upHelp } from './up.js';
import { serviceCommand, serviceHelp } from './service.js';

export interface Command {
  run: (argv: string[]) => Promise<number>;
  help: string;
}

export const commands: Record<string, Command> = {
  up: { run: upCommand, help: upHelp },
  service: { run: serviceCommand, help: serviceHelp },
  ref: { run: refCommand, help: refHelp },
  extract: { run: extractCommand, help: extractHelp },
  graph: { run: graphCommand, help: graphHelp },
  plan: { run: planCommand, help: planHelp },
  rebuild: { run: rebuildCommand, help: rebuildHelp },
  digests: { run: digestsCommand, help: digestsHelp },
  bump: { run: bumpCommand, help: bumpHelp },
  schema: { run: schemaCommand, help: schemaHelp },
  check: { run: checkCommand, help: checkHelp },
  report: { run: reportCommand, help: reportHelp },
  eol: { run: eolCommand, help: eolHelp },
  promote: { run: promoteCommand, help: promoteHelp },
};
