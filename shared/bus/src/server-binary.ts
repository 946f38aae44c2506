import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { RestackError } from '@restack/core';

/**
 * The nats-server binary: RESTACK_NATS_SERVER_BIN, then PATH, then Debian's
 * /usr/sbin (not on every user's PATH). `restack up` and the test harness
 * both start their own server with it.
 */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    env.RESTACK_NATS_SERVER_BIN,
    ...(env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'nats-server')),
    '/usr/sbin/nats-server',
    '/usr/bin/nats-server',
  ];
  for (const c of candidates) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here; try the next place
    }
  }
  throw new RestackError('nats.server-missing', 'nats-server is not installed', {
    fix:
      'install it (Debian/Ubuntu: sudo apt-get install nats-server; `npm test` and `npm start` do it when run as root), ' +
      'set RESTACK_NATS_SERVER_BIN to its path, or point restack at a running server with RESTACK_NATS__SERVERS=nats://host:4222',
  });
}
