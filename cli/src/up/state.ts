import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The example organisation `restack up` runs on when no config is given. */
export function exampleConfigPath(): string {
  return fileURLToPath(new URL('../../../examples/acme/restack.yaml', import.meta.url));
}

/** Where `restack up` keeps local state (the embedded NATS's data). */
export function stateDirectory(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return path.resolve(flag ?? env.RESTACK_STATE_DIR ?? '.restack');
}
