import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** What distribution's `auth: token` needs; a TestTokenServer has these fields. */
export interface TokenAuth {
  realm: string;
  service: string;
  issuer: string;
  rootCertBundle: string;
}

export interface NotificationEndpoint {
  /** Where the registry POSTs `{"events": [...]}` envelopes. */
  url: string;
  name?: string;
  headers?: Record<string, string[]>;
  timeout?: string;
  threshold?: number;
  backoff?: string;
}

export interface RegistryOptions {
  /** Basic auth from an htpasswd file with bcrypt entries: user -> password. */
  htpasswd?: Record<string, string>;
  token?: TokenAuth;
  notifications?: NotificationEndpoint[];
}

export interface TestRegistry {
  /** `127.0.0.1:<port>`, as an image reference names it. */
  host: string;
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  storageDir: string;
  /** The registry's recent log lines, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
  /** Starts it again on the same port and storage after `stop`. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops it and removes its temporary folder. */
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const LOG_LINES = 200;

/** The docker-registry binary, or an error that says how to install it. */
export function registryBinary(): string {
  const candidates = [
    process.env.RESTACK_REGISTRY_BIN,
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'docker-registry')),
    '/usr/bin/docker-registry',
  ];
  for (const c of candidates) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    'docker-registry (distribution 2.8) is not installed: run `npm test`, whose setup installs it, or `apt-get install docker-registry`',
  );
}

async function htpasswdFile(dir: string, users: Record<string, string>): Promise<string> {
  const lines: string[] = [];
  for (const [user, password] of Object.entries(users)) {
    // bcrypt (-B) is the only hash distribution accepts.
    const { stdout } = await run('htpasswd', ['-Bbn', user, password]).catch((e: Error) => {
      throw new Error(`htpasswd failed (apt-get install apache2-utils): ${e.message}`);
    });
    lines.push(stdout.trim());
  }
  const path = join(dir, 'htpasswd');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/**
 * Starts distribution's registry on a free port with its own storage and
 * delete enabled, and waits until `/v2/` answers.
 * https://distribution.github.io/distribution/about/configuration/
 */
export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const binary = registryBinary();
  const dir = await mkdtemp(join(tmpdir(), 'restack-registry-'));
  const storageDir = join(dir, 'data');
  const port = await freePort();
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: storageDir }, delete: { enabled: true } },
    http: { addr: `127.0.0.1:${port}`, secret: 'restack-test-secret' },
  };
  if (options.htpasswd) {
    config.auth = {
      htpasswd: { realm: 'restack-test', path: await htpasswdFile(dir, options.htpasswd) },
    };
  } else if (options.token) {
    const t = options.token;
    config.auth = {
      token: {
        realm: t.realm,
        service: t.service,
        issuer: t.issuer,
        rootcertbundle: t.rootCertBundle,
      },
    };
  }
  if (options.notifications) {
    config.notifications = {
      endpoints: options.notifications.map((n, i) => ({
        name: n.name ?? `endpoint-${i}`,
        url: n.url,
        headers: n.headers ?? {},
        // Generous: on a loaded CI machine a slow answer makes the registry resend
        // the envelope and hold every later event behind it.
        timeout: n.timeout ?? '15s',
        threshold: n.threshold ?? 5,
        backoff: n.backoff ?? '200ms',
      })),
    };
  }
  // YAML is a superset of JSON, and distribution reads its config as YAML.
  const configPath = join(dir, 'config.yml');
  await writeFile(configPath, JSON.stringify(config, null, 2));

  let child: ChildProcess | null = null;
  const lines: string[] = [];
  const url = `http://127.0.0.1:${port}`;

  async function start(): Promise<void> {
    if (child) return;
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')),
    );
    const proc = spawn(binary, ['serve', configPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    const keep = (b: Buffer) => {
      lines.push(
        ...b
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      lines.splice(0, Math.max(0, lines.length - LOG_LINES));
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    let exited = false;
    proc.once('exit', () => {
      exited = true;
      if (child === proc) child = null;
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`docker-registry exited at start:\n${lines.join('\n')}`);
      try {
        const res = await fetch(`${url}/v2/`);
        await res.arrayBuffer();
        if (res.status === 200 || res.status === 401) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await stop();
    throw new Error(
      `docker-registry did not answer ${url}/v2/ within ${READY_TIMEOUT_MS} ms:\n${lines.join('\n')}`,
    );
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
      child = null;
      return;
    }
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    child = null;
  }

  try {
    await start();
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    host: `127.0.0.1:${port}`,
    url,
    port,
    storageDir,
    logs: () => lines.join('\n'),
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
