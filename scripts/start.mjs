// `npm start`: set up what restack needs, then run its main job.
import path from 'node:path';
import { build, ensureNodeModules, fail, root, run } from './bootstrap.mjs';

try {
  ensureNodeModules();
  build();
} catch (e) {
  fail(e);
}
const cli = path.join(root, 'cli', 'bin', 'restack.js');
const args = process.argv.slice(2);
if (args.length > 0) process.exit(run(process.execPath, [cli, ...args]));

// Until the orchestrator lands, the main job is the one-shot graph and plan of
// the example organisation.
const config = path.join(root, 'examples', 'acme', 'restack.yaml');
process.stderr.write(`restack: dependency graph of ${path.relative(root, config)}\n`);
const graph = run(process.execPath, [cli, 'graph', '--config', config, '--format', 'mermaid']);
process.stderr.write('\nrestack: what rebuilds, in which waves, when debian:bookworm moves\n');
const plan = run(process.execPath, [
  cli,
  'plan',
  '--config',
  config,
  '--changed',
  'debian:bookworm',
]);
process.exit(graph || plan);
