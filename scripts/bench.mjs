// `npm run bench`: set up, build, then print the benchmark figures.
import path from 'node:path';
import { build, ensureNodeModules, fail, root, run } from './bootstrap.mjs';

try {
  ensureNodeModules();
  build();
} catch (e) {
  fail(e);
}
process.exit(
  run(process.execPath, [path.join(root, 'bench', 'dist', 'run.js'), ...process.argv.slice(2)]),
);
