import type Dockerode from 'dockerode';
import type { RegistryCredentials } from './port.js';

/**
 * The Engine API's AuthConfig (sent base64url-encoded as X-Registry-Auth).
 * https://docs.docker.com/reference/api/engine/version/v1.41/#section/Authentication
 */
export function authConfig(
  credentials: RegistryCredentials,
  serveraddress: string,
): Dockerode.AuthConfigObject {
  if ('identityToken' in credentials)
    return { identitytoken: credentials.identityToken, serveraddress };
  if ('registryToken' in credentials)
    return { registrytoken: credentials.registryToken, serveraddress };
  return { username: credentials.username, password: credentials.password, serveraddress };
}

type RegistryConfigEntry = Dockerode.AuthConfigObject & { username: string; password: string };

/** X-Registry-Config for a build's pulls: one AuthConfig per registry host. */
export function registryConfig(
  byHost: Record<string, RegistryCredentials>,
): Record<string, RegistryConfigEntry> {
  return Object.fromEntries(
    Object.entries(byHost).map(([host, credentials]) => [
      host,
      // Token logins carry an empty user name, as `docker login` stores them.
      { username: '', password: '', ...authConfig(credentials, host) },
    ]),
  );
}

/** Build arguments whose names say they hold a secret; their values are blanked in the log. */
const SECRET_NAME = /(token|secret|passw|key|auth|credential|cookie)/i;

export function secretValues(buildArgs: Record<string, string> = {}): string[] {
  return Object.entries(buildArgs)
    .filter(([name, value]) => SECRET_NAME.test(name) && value.length > 0)
    .map(([, value]) => value);
}
