import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import path from 'node:path';
import { findNatsServer } from '@restack/bus';
import { RestackError, type Logger } from '@restack/core';

export interface EmbeddedNats {
  url: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts a local nats-server with JetStream, its data under `stateDir`, on a
 * free loopback port: `restack up`'s NATS when none is configured.
 */
export async function startEmbeddedNats(stateDir: string, log: Logger): Promise<EmbeddedNats> {
  const bin = findNatsServer();
  const dataDir = path.join(stateDir, 'nats');
  await mkdir(dataDir, { recursive: true });
  const pidFile = path.join(stateDir, 'nats-server.pid');
  await stopStale(pidFile);
  const port = await freePort();
  // Its own process group: Ctrl-C in a terminal must reach restack only, which
  // then drains its connection before it stops the server itself.
  const child: ChildProcess = spawn(
    bin,
    ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dataDir],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    },
  );
  if (child.pid) await writeFile(pidFile, String(child.pid));
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) break;
    if (await accepts(port)) {
      log.info({ port, dataDir }, 'embedded nats-server started');
      return {
        url: `nats://127.0.0.1:${port}`,
        async stop() {
          if (child.exitCode !== null) return;
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
          await rm(pidFile, { force: true });
        },
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new RestackError(
    'up.nats-start',
    `nats-server did not start: ${tail.trim().split('\n').slice(-3).join(' | ')}`,
    {
      where: bin,
      fix: 'check that the state folder is writable, or configure an external NATS with RESTACK_NATS__SERVERS',
    },
  );
}

/** Stops a server a previous `restack up` left behind when it was killed. */
async function stopStale(pidFile: string): Promise<void> {
  const pid = Number(await readFile(pidFile, 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 0) return;
  const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (command.includes('nats-server')) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await rm(pidFile, { force: true });
}
