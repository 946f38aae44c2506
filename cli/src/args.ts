import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RestackError } from '@restack/core';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with a usage error that names the command and how to get help. */
type Parsed<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
>;

export function parseCommandArgs<T extends Options>(
  command: string,
  argv: string[],
  options: T,
): Parsed<T> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (cause) {
    throw new RestackError('cli.usage', `restack ${command}: ${(cause as Error).message}`, {
      cause,
      fix: `run "restack help ${command}" for the options`,
    });
  }
}

/** `K=V` pairs from repeated `--build-arg` options. */
export function parseKeyValues(
  values: string[] | undefined,
  option: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) {
      throw new RestackError('cli.usage', `${option} "${v}" must be KEY=VALUE`, {
        fix: `write it as ${option} NAME=value`,
      });
    }
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

export function requireOption(command: string, value: string | undefined, option: string): string {
  if (value === undefined || value === '') {
    throw new RestackError('cli.usage', `restack ${command}: ${option} is required`, {
      fix: `run "restack help ${command}"`,
    });
  }
  return value;
}

/** Prints a value as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
