// `npm run bench`: set up, build, then print the benchmark figures.
import path from 'node:path';
import { build, ensureNodeModules, fail, root, run } from './bootstrap.mjs';

try {
  ensureNodeModules();
  build();
} catch (e) {
  fail(e);
}
// `--soak` (npm run bench:soak): the 10-minute soak, which samples the heap after a forced GC.
const soak = process.argv.includes('--soak');
process.exit(
  soak
    ? run(process.execPath, ['--expose-gc', path.join(root, 'bench', 'dist', 'soak.js')])
    : run(process.execPath, [path.join(root, 'bench', 'dist', 'run.js'), ...process.argv.slice(2)]),
);
