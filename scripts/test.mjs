// `npm test`: set up everything the tests need, then run every test with
// node's test runner. `--unit` runs only the unit tests beside the code.
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { build, ensureNodeModules, ensureSystemPackages, fail, root, run } from './bootstrap.mjs';

const unitOnly = process.argv.includes('--unit');
try {
  ensureNodeModules();
  build();
  if (!unitOnly)
    ensureSystemPackages([
      'nats',
      'registry',
      'podman',
      'runc',
      'htpasswd',
      'busybox',
      'git',
      'openssl',
      'chromium',
    ]);
} catch (e) {
  fail(e);
}

const dirs = [];
for (const group of ['shared', 'services']) {
  const base = path.join(root, group);
  if (!existsSync(base)) continue;
  for (const pkg of readdirSync(base)) {
    const dist = path.join(base, pkg, 'dist');
    if (existsSync(dist)) dirs.push(path.relative(root, dist));
  }
}
if (existsSync(path.join(root, 'cli', 'dist'))) dirs.push('cli/dist');
if (!unitOnly && existsSync(path.join(root, 'test', 'dist'))) dirs.push('test/dist');

const status = run(process.execPath, [
  '--test',
  '--test-reporter=spec',
  '--test-concurrency=3',
  '--test-timeout=600000',
  ...dirs,
]);
process.exit(status);
