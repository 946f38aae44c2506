import { spawn } from 'node:child_process';
import { credentialHelperOutputSchema } from './schema.js';

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`docker login` with SSO), traded at the token endpoint. */
  identityToken?: string;
  /** A bearer token to send as it is. */
  registryToken?: string;
}

const HELPER_TIMEOUT_MS = 10_000;
const NOT_FOUND = 'credentials not found in native keychain';
// Docker stores identity tokens in helpers under this user name (docker/cli native_store.go).
const TOKEN_USERNAME = '<token>';

/** Why a helper could not answer; the message never carries its output. */
export class HelperError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HelperError';
  }
}

/**
 * Runs `docker-credential-<name> get` with the server URL on stdin and reads
 * `{"ServerURL","Username","Secret"}` from stdout, as the Docker CLI does.
 * Spawned with an argument array, never through a shell.
 * https://github.com/docker/docker-credential-helpers/blob/master/client/client.go
 */
export async function runCredentialHelper(
  name: string,
  serverUrl: string,
  env: NodeJS.ProcessEnv,
): Promise<Credentials | null> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new HelperError(`"${name}" is not a credential helper name (docker-credential-<name>)`);
  }
  const program = `docker-credential-${name}`;
  const { code, stdout } = await run(program, serverUrl, env);
  if (code !== 0) {
    if (stdout.includes(NOT_FOUND)) return null;
    throw new HelperError(
      `${program} get failed with exit code ${code}; try \`echo ${serverUrl} | ${program} get\` by hand`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new HelperError(`${program} get printed something that is not JSON`);
  }
  const parsed = credentialHelperOutputSchema.safeParse(json);
  if (!parsed.success) {
    throw new HelperError(`${program} get printed JSON without string "Username" and "Secret"`);
  }
  const { Username, Secret } = parsed.data;
  if (Secret === '') return null;
  if (Username === TOKEN_USERNAME) return { identityToken: Secret };
  return { username: Username, password: Secret };
}

function run(
  program: string,
  input: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
    // Our own timer: spawn's `timeout` option leaves its timer running when the program is missing.
    const timer = setTimeout(() => child.kill('SIGKILL'), HELPER_TIMEOUT_MS);
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new HelperError(
          e.code === 'ENOENT'
            ? `${program} was not found on PATH`
            : `${program} could not be started (${e.code ?? e.message})`,
        ),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) {
        reject(
          new HelperError(
            `${program} get was stopped by ${signal} (timeout ${HELPER_TIMEOUT_MS} ms)`,
          ),
        );
        return;
      }
      resolve({ code, stdout: Buffer.concat(out).toString('utf8').trim() });
    });
    // A helper that exits without reading stdin makes the write fail with EPIPE; the exit code tells.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
