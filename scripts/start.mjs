// `npm start`: set up what restack needs, then run its main job, `restack up`:
// every service in one process, a local nats-server, the example organisation
// unless --config is given. `npm start -- --config restack.yaml --port 9000`.
import path from 'node:path';
import { build, ensureNodeModules, ensureSystemPackages, fail, root, run } from './bootstrap.mjs';

try {
  ensureNodeModules();
  build();
  // Only needed when restack starts its own NATS; `restack up` says so clearly if it is missing.
  if (!process.env.RESTACK_NATS__SERVERS) ensureSystemPackages(['nats']);
} catch (e) {
  fail(e);
}
const cli = path.join(root, 'cli', 'bin', 'restack.js');
// Ctrl-C reaches restack too; this launcher waits for it to stop cleanly.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.exit(run(process.execPath, [cli, 'up', ...process.argv.slice(2)]));
