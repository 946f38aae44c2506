// Set-up shared by `npm start` and `npm test`. Uses only Node built-ins, so
// it runs on a fresh clone before `npm install` has brought anything in.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages each capability needs, with the binary that proves it is there. */
export const systemPackages = {
  nats: { pkg: 'nats-server', bins: ['nats-server'] },
  registry: { pkg: 'docker-registry', bins: ['docker-registry'] },
  podman: { pkg: 'podman', bins: ['podman'] },
  runc: { pkg: 'runc', bins: ['runc'] },
  htpasswd: { pkg: 'apache2-utils', bins: ['htpasswd'] },
  busybox: { pkg: 'busybox-static', bins: ['busybox'] },
  git: { pkg: 'git', bins: ['git'] },
  openssl: { pkg: 'openssl', bins: ['openssl'] },
  chromium: { pkg: 'chromium', bins: ['chromium'] },
};

function log(message) {
  process.stderr.write(`[restack setup] ${message}\n`);
}

export function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/** `npm ci` (or `npm install`) when node_modules is missing or older than the lock file. */
export function ensureNodeModules() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing npm packages');
  const status = run('npm', [
    existsSync(lock) ? 'ci' : 'install',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
  ]);
  if (status !== 0) throw new Error('npm could not install the packages; see the messages above');
}

export function build() {
  const status = run(process.execPath, [
    path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-b',
  ]);
  if (status !== 0) throw new Error('the TypeScript build failed; see the errors above');
}

function onPath(bin) {
  const dirs = (process.env.PATH ?? '')
    .split(path.delimiter)
    .concat(['/usr/sbin', '/usr/bin', '/sbin']);
  return dirs.some((d) => existsSync(path.join(d, bin)));
}

/**
 * Makes sure the named system tools exist, installing their Debian packages
 * with apt-get when running as root; otherwise says exactly what to run.
 */
export function ensureSystemPackages(names) {
  const missing = names.map((n) => systemPackages[n]).filter((p) => !p.bins.every(onPath));
  if (missing.length === 0) return;
  const pkgs = missing.map((p) => p.pkg);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    throw new Error(
      `missing ${pkgs.join(', ')}. Install them with: sudo apt-get install -y ${pkgs.join(' ')}` +
        ' (Debian/Ubuntu), or put the binaries on PATH.',
    );
  }
  log(`installing ${pkgs.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update', '-qq'], { env }) !== 0) throw new Error('apt-get update failed');
  const status = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
    env,
  });
  if (status !== 0) throw new Error(`apt-get could not install ${pkgs.join(', ')}`);
}

export function fail(error) {
  log(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
