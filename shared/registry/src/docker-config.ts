import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runCredentialHelper, type Credentials } from './credential-helper.js';
import { dockerConfigSchema, type DockerConfig } from './schema.js';

export type { Credentials } from './credential-helper.js';

/** Why credentials could not be read; names the file or helper, never a secret. */
export class CredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsError';
  }
}

export interface CredentialStore {
  /** Credentials stored under `key` (`localhost:5000`, `https://index.docker.io/v1/`), or null. */
  get(key: string): Promise<Credentials | null>;
  /** Drops what was read for `key`, so the next `get` reads config.json or the helper again. */
  forget(key: string): void;
}

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, as the Docker CLI reads it. */
export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  const dir = env.DOCKER_CONFIG ? env.DOCKER_CONFIG : join(env.HOME || homedir(), '.docker');
  return join(dir, 'config.json');
}

/**
 * Credentials the way `docker pull` finds them: a `credHelpers` entry for
 * the registry, else `credsStore`, else the `auths` entry (exact key, then
 * any key whose host matches). docker/cli configfile.GetCredentialsStore.
 */
export function createDockerCredentialStore(env: NodeJS.ProcessEnv = process.env): CredentialStore {
  const cache = new Map<string, Promise<Credentials | null>>();
  const path = dockerConfigPath(env);

  async function lookup(key: string): Promise<Credentials | null> {
    const config = await readConfig(path);
    if (config === null) return null;
    const helper = config.credHelpers?.[key] ?? config.credsStore;
    if (helper) {
      try {
        return await runCredentialHelper(helper, key, env);
      } catch (e) {
        throw new CredentialsError(`${(e as Error).message} (named for ${key} in ${path})`);
      }
    }
    return fromAuths(config, key, path);
  }

  return {
    get(key) {
      let found = cache.get(key);
      if (!found) {
        found = lookup(key);
        cache.set(key, found);
        // A failed read is not remembered; the next lookup tries again.
        found.catch(() => cache.delete(key));
      }
      return found;
    },
    forget: (key) => void cache.delete(key),
  };
}

async function readConfig(path: string): Promise<DockerConfig | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CredentialsError(`cannot read ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CredentialsError(`${path} is not valid JSON`);
  }
  const parsed = dockerConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CredentialsError(
      `${path}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is not a Docker config file'}`,
    );
  }
  return parsed.data;
}

/** docker/cli credentials.ConvertToHostname: `https://host:5000/v1/` -> `host:5000`. */
export function convertToHostname(maybeUrl: string): string {
  let stripped = maybeUrl;
  if (stripped.includes('://')) {
    try {
      const u = new URL(stripped);
      if (u.hostname !== '') return u.host;
    } catch {
      // not a URL; fall through to the plain split
    }
    stripped = stripped.slice(stripped.indexOf('://') + 3);
  }
  return stripped.split('/')[0] ?? stripped;
}

function fromAuths(config: DockerConfig, key: string, path: string): Credentials | null {
  const auths = config.auths ?? {};
  const entry =
    auths[key] ?? Object.entries(auths).find(([k]) => convertToHostname(k) === key)?.[1];
  if (!entry) return null;
  const out: Credentials = {};
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
      throw new CredentialsError(
        `${path}: auths["${key}"].auth is not base64 of "username:password"`,
      );
    }
    out.username = decoded.slice(0, colon);
    out.password = decoded.slice(colon + 1).replace(/\0+$/, '');
  } else {
    if (entry.username) out.username = entry.username;
    if (entry.password) out.password = entry.password;
  }
  if (entry.identitytoken) out.identityToken = entry.identitytoken;
  if (entry.registrytoken) out.registryToken = entry.registrytoken;
  return Object.keys(out).length > 0 ? out : null;
}
