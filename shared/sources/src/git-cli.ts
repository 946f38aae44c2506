import { execFile } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RestackError } from '@restack/core';

export type GitCredentials = { usernameEnv: string; passwordEnv: string } | { sshKeyPath: string };

export interface GitEnvOptions {
  credentials?: GitCredentials;
  /** Where credential values are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** A folder for the askpass helper. */
  helperDir: string;
}

// The helper prints values it finds in its own environment, so no secret is
// ever an argument (visible in ps) or written to disk.
const ASKPASS = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$RESTACK_GIT_USERNAME" ;;
  *) printf '%s\\n' "$RESTACK_GIT_PASSWORD" ;;
esac
`;

/** The environment git runs with: never prompts; credentials through GIT_ASKPASS or GIT_SSH_COMMAND. */
export async function gitEnv(options: GitEnvOptions): Promise<NodeJS.ProcessEnv> {
  const source = options.env ?? process.env;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    LC_ALL: 'C',
  };
  const c = options.credentials;
  if (c && 'usernameEnv' in c) {
    const username = source[c.usernameEnv];
    const password = source[c.passwordEnv];
    if (!username || !password) {
      throw new RestackError(
        'sources.credentials-missing',
        `git credentials: ${!username ? c.usernameEnv : c.passwordEnv} is not set`,
        {
          where: 'sources[].credentials',
          fix: `set ${c.usernameEnv} and ${c.passwordEnv} in the environment restack runs in`,
        },
      );
    }
    await mkdir(options.helperDir, { recursive: true });
    const helper = path.join(options.helperDir, 'askpass.sh');
    await writeFile(helper, ASKPASS);
    await chmod(helper, 0o700);
    Object.assign(env, {
      GIT_ASKPASS: helper,
      RESTACK_GIT_USERNAME: username,
      RESTACK_GIT_PASSWORD: password,
    });
  } else if (c) {
    // GIT_SSH_COMMAND is run by a shell: quote the key path.
    const key = `'${path.resolve(c.sshKeyPath).replace(/'/g, `'\\''`)}'`;
    env.GIT_SSH_COMMAND = `ssh -i ${key} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new`;
  }
  return env;
}

/** Runs git with an argument array (never a shell string); rejects with git's stderr, credentials removed. */
export function git(
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...args],
      { cwd: options.cwd, env: options.env, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        reject(
          new RestackError(
            'sources.git-failed',
            `git ${args[0] ?? ''} failed: ${redactUrl(stderr.trim() || error.message)}`,
            {
              where: options.cwd,
              fix: 'check the URL, the ref and the credentials of the git source',
            },
          ),
        );
      },
    );
  });
}

/** Removes `user:password@` from URLs in a message. */
export function redactUrl(text: string): string {
  return text.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1***@');
}
