import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface PodmanOptions {
  /** Registries podman may use over plain http, e.g. a TestRegistry's `host`. */
  insecureRegistries?: string[];
}

export interface TestPodman {
  /** The Docker-compatible API's socket. */
  socketPath: string;
  /** `unix://<socketPath>`, as `--engine` takes it. */
  url: string;
  /** The podman service's recent log lines, for failure messages. */
  logs(): string;
  /** Stops the service and removes its storage. */
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const LOG_LINES = 200;

function findBinary(name: string, extra: string[]): string | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const candidate of [...dirs.map((d) => join(d, name)), ...extra]) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  return null;
}

/** The podman binary, or an error that says how to install what podman needs. */
export function podmanBinary(): { podman: string; runc: string } {
  const podman = findBinary('podman', ['/usr/bin/podman']);
  const runc = findBinary('runc', ['/usr/sbin/runc', '/usr/bin/runc']);
  if (podman === null || runc === null) {
    const missing = [podman === null ? 'podman' : null, runc === null ? 'runc' : null].filter(
      Boolean,
    );
    throw new Error(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed: run \`npm test\`, whose setup installs them, or \`apt-get install podman runc\``,
    );
  }
  return { podman, runc };
}

/**
 * Configuration that keeps this podman to itself: its own storage (vfs, no
 * kernel overlay needed), no cgroups, host networking for RUN steps (no CNI
 * or iptables changes), and the test registries marked insecure. Nothing
 * under /etc/containers is touched; podman reads these through the
 * CONTAINERS_* variables.
 * https://github.com/containers/common/blob/main/docs/containers.conf.5.md
 */
async function writeConfig(dir: string, insecure: string[]) {
  const paths = {
    root: join(dir, 'storage'),
    runroot: join(dir, 'run'),
    libpodTmp: join(dir, 'libpod'),
    tmp: join(dir, 'tmp'),
    network: join(dir, 'network'),
    containersConf: join(dir, 'containers.conf'),
    storageConf: join(dir, 'storage.conf'),
    registriesConf: join(dir, 'registries.conf'),
  };
  for (const d of [paths.root, paths.runroot, paths.libpodTmp, paths.tmp, paths.network]) {
    await mkdir(d, { recursive: true });
  }
  const q = (s: string) => JSON.stringify(s);
  await writeFile(
    paths.containersConf,
    [
      '[containers]',
      'cgroups = "disabled"',
      'netns = "host"',
      '[network]',
      `network_config_dir = ${q(paths.network)}`,
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = ${q(join(dir, 'events.log'))}`,
      'runtime = "runc"',
      `tmp_dir = ${q(paths.libpodTmp)}`,
      `image_copy_tmp_dir = ${q(paths.tmp)}`,
      '',
    ].join('\n'),
  );
  await writeFile(
    paths.storageConf,
    [
      '[storage]',
      'driver = "vfs"',
      `graphroot = ${q(paths.root)}`,
      `runroot = ${q(paths.runroot)}`,
      '',
    ].join('\n'),
  );
  await writeFile(
    paths.registriesConf,
    [
      'unqualified-search-registries = []',
      ...insecure.flatMap((host) => ['[[registry]]', `location = ${q(host)}`, 'insecure = true']),
      '',
    ].join('\n'),
  );
  return paths;
}

// Where runc keeps the state of the containers buildah runs for RUN steps.
const RUNC_STATE = '/run/runc';

/**
 * RUN containers start their own session, so stopping the service's process
 * group leaves a RUN step of an aborted build running. runc's state names
 * each container's rootfs; those inside `dir` are this harness's: kill them
 * by pid and let runc forget them.
 */
async function stopOrphanedContainers(dir: string, runc: string): Promise<void> {
  const ids = await readdir(RUNC_STATE).catch(() => [] as string[]);
  for (const id of ids) {
    const state = await readFile(join(RUNC_STATE, id, 'state.json'), 'utf8').catch(() => null);
    if (state === null) continue;
    let parsed: { init_process_pid?: unknown; config?: { rootfs?: unknown } };
    try {
      parsed = JSON.parse(state) as typeof parsed;
    } catch {
      continue;
    }
    const rootfs = parsed.config?.rootfs;
    if (typeof rootfs !== 'string' || !rootfs.startsWith(`${dir}/`)) continue;
    if (typeof parsed.init_process_pid === 'number' && parsed.init_process_pid > 0) {
      try {
        process.kill(parsed.init_process_pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise<void>((resolve) =>
      execFile(runc, ['delete', '--force', id], () => resolve()),
    );
  }
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Starts `podman system service` (podman's Docker-compatible Engine API) on
 * a socket in a temporary folder, with storage of its own, and waits until
 * it answers `/_ping`.
 */
export async function startPodman(options: PodmanOptions = {}): Promise<TestPodman> {
  const { podman: binary, runc } = podmanBinary();
  const dir = await mkdtemp(join(tmpdir(), 'restack-podman-'));
  const paths = await writeConfig(dir, options.insecureRegistries ?? []);
  const socketPath = join(dir, 'podman.sock');
  const env = {
    ...process.env,
    CONTAINERS_CONF: paths.containersConf,
    CONTAINERS_STORAGE_CONF: paths.storageConf,
    CONTAINERS_REGISTRIES_CONF: paths.registriesConf,
    TMPDIR: paths.tmp,
  };
  const args = [
    ...['--root', paths.root, '--runroot', paths.runroot, '--tmpdir', paths.libpodTmp],
    ...['system', 'service', '--time=0', `unix://${socketPath}`],
  ];
  // Its own process group, so stopping it also stops any RUN step still going.
  const child: ChildProcess = spawn(binary, args, {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const keep = (b: Buffer) => {
    lines.push(
      ...b
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== ''),
    );
    lines.splice(0, Math.max(0, lines.length - LOG_LINES));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  async function close(): Promise<void> {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const pid = child.pid;
      const signal = (name: NodeJS.Signals) => {
        try {
          process.kill(-pid, name);
        } catch {
          // already gone
        }
      };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await stopOrphanedContainers(dir, runc);
    await rm(dir, { recursive: true, force: true });
  }

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await close();
      throw new Error(`podman system service exited at start:\n${lines.join('\n')}`);
    }
    if (await ping(socketPath)) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(
        `podman system service did not answer on ${socketPath} within ${READY_TIMEOUT_MS} ms:\n${lines.join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { socketPath, url: `unix://${socketPath}`, logs: () => lines.join('\n'), close };
}
