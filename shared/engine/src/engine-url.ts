import { existsSync } from 'node:fs';
import { RestackError } from '@restack/core';

/** Where the Docker Engine API listens. */
export type EngineEndpoint =
  | { kind: 'unix'; socketPath: string; url: string }
  | { kind: 'tcp'; host: string; port: number; url: string };

const URL_FIX =
  'give the engine as unix:///path/to/socket (e.g. unix:///run/podman/podman.sock) or tcp://host:port';

/**
 * Parses an `--engine` value or DOCKER_HOST: `unix:///var/run/docker.sock`
 * or `tcp://127.0.0.1:2375`. `where` names the flag or variable it came from.
 */
export function parseEngineUrl(text: string, where = '--engine'): EngineEndpoint {
  const input = text.trim();
  const fail = (why: string) =>
    new RestackError('ENGINE_URL_INVALID', `"${input}" is not an engine address: ${why}`, {
      where,
      fix: URL_FIX,
    });
  if (input.startsWith('unix://')) {
    const socketPath = input.slice('unix://'.length);
    if (!socketPath.startsWith('/'))
      throw fail('a unix socket path must be absolute (unix:///...)');
    return { kind: 'unix', socketPath, url: `unix://${socketPath}` };
  }
  if (input.startsWith('tcp://')) {
    let url: URL;
    try {
      // Parsed as http so URL checks the host and port for us.
      url = new URL(`http://${input.slice('tcp://'.length)}`);
    } catch {
      throw fail('the host or port is malformed');
    }
    if (url.pathname !== '/' || url.search || url.hash || url.username) {
      throw fail('only tcp://host:port is supported, without a path or credentials');
    }
    if (url.port === '') throw fail('the port is missing (tcp://host:port)');
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(url.port);
    return { kind: 'tcp', host, port, url: `tcp://${url.host}` };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(input)?.[1];
  throw fail(
    scheme ? `the scheme "${scheme}" is not supported` : 'it has no unix:// or tcp:// scheme',
  );
}

export interface EngineLookup {
  /** The `--engine` flag, when given; it wins over everything else. */
  flag?: string;
  /** Default process.env (DOCKER_HOST, XDG_RUNTIME_DIR). */
  env?: NodeJS.ProcessEnv;
  /** Whether a socket file exists. Default fs.existsSync. */
  exists?: (path: string) => boolean;
}

/** The sockets tried, in order, when neither --engine nor DOCKER_HOST is set. */
export function defaultSocketPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const paths = ['/var/run/docker.sock'];
  if (env.XDG_RUNTIME_DIR) paths.push(`${env.XDG_RUNTIME_DIR}/podman/podman.sock`);
  paths.push('/run/podman/podman.sock');
  return paths;
}

/**
 * The engine to use: `--engine`, else DOCKER_HOST, else the first of the
 * usual sockets that exists (Docker's, the user's podman, the system podman).
 */
export function resolveEngineUrl(lookup: EngineLookup = {}): EngineEndpoint {
  const env = lookup.env ?? process.env;
  const exists = lookup.exists ?? existsSync;
  if (lookup.flag !== undefined && lookup.flag !== '')
    return parseEngineUrl(lookup.flag, '--engine');
  if (env.DOCKER_HOST) return parseEngineUrl(env.DOCKER_HOST, 'DOCKER_HOST');
  const tried = defaultSocketPaths(env);
  const found = tried.find((path) => exists(path));
  if (found !== undefined) return { kind: 'unix', socketPath: found, url: `unix://${found}` };
  throw new RestackError(
    'ENGINE_NOT_FOUND',
    `no container engine found: --engine and DOCKER_HOST are unset and none of ${tried.join(', ')} exists`,
    {
      where: 'engine lookup',
      fix: 'start Docker, or run `podman system service --time=0 unix:///run/podman/podman.sock`, or pass --engine unix:///path/to/socket',
    },
  );
}
