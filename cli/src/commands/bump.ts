import { loadConfig } from '@restack/config';
import { bumpConfig } from '@restack/bump';
import { parseCommandArgs, requireOption } from '../args.js';
import { parseChanged } from './plan.js';

export const bumpHelp = `restack bump --config FILE --changed REF --digest sha256:... [--pin] [--dry-run]
  Rewrites the digest of every reference to REF in the config's Dockerfiles
  (debian:bookworm@sha256:old -> debian:bookworm@sha256:new), touching nothing else.
  A digest that comes from an ARG default is changed in that default. --pin also
  adds the digest to matching references that have none. Prints the unified diff;
  with --dry-run nothing is written.`;

export async function bumpCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('bump', argv, {
    config: { type: 'string', short: 'c' },
    changed: { type: 'string', multiple: true },
    digest: { type: 'string' },
    pin: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
  });
  const loaded = await loadConfig(requireOption('bump', values.config, '--config'));
  const [changed] = parseChanged(values.changed);
  const results = await bumpConfig(loaded, {
    changed: changed!,
    digest: requireOption('bump', values.digest, '--digest'),
    pin: values.pin ?? false,
    dryRun: values['dry-run'] ?? false,
  });
  for (const r of results) {
    process.stdout.write(r.diff);
    for (const s of r.skipped)
      process.stderr.write(`${r.dockerfile}:${s.line}: not changed: ${s.message}\n`);
  }
  const changedFiles = results.filter((r) => r.diff).length;
  process.stderr.write(
    `${values['dry-run'] ? 'would change' : 'changed'} ${changedFiles} Dockerfile${changedFiles === 1 ? '' : 's'}\n`,
  );
  return 0;
}
