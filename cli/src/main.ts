import { errorMessage, isRestackError } from '@restack/core';
import { commands } from './commands/index.js';

function usage(): string {
  return [
    'restack: keeps every container image built on a moving base fresh.',
    '',
    'Commands:',
    ...Object.values(commands).map((c) => '  ' + c.help.split('\n')[0]),
    '',
    'Run "restack help COMMAND" for one command.',
  ].join('\n');
}

/** Runs one CLI invocation and returns its exit code; never throws. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0] ? commands[rest[0]] : undefined;
    process.stdout.write((topic ? topic.help : usage()) + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write('restack 0.1.0\n');
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`restack: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help + '\n');
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    process.stderr.write(`restack ${name}: ${errorMessage(e)}\n`);
    if (!isRestackError(e) && process.env.RESTACK_DEBUG)
      process.stderr.write(`${(e as Error).stack}\n`);
    return 2;
  }
}
