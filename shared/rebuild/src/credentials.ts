import type { RegistryCredentials } from '@restack/engine';
import type { CredentialStore } from '@restack/registry';
import { credentialKey, registryCredentials } from '@restack/scan';

/** Looks up the credentials the engine sends for one registry host. */
export type EngineCredentials = (domain: string) => Promise<RegistryCredentials | undefined>;

/**
 * Docker config.json credentials in the engine's shape (X-Registry-Auth):
 * a password login, an identity token, or a registry token.
 */
export function engineCredentials(store: CredentialStore): EngineCredentials {
  return async (domain) => {
    const c = await registryCredentials(store, domain);
    if (!c) return undefined;
    if (c.identityToken) return { identityToken: c.identityToken };
    if (c.registryToken) return { registryToken: c.registryToken };
    if (c.username !== undefined && c.password !== undefined)
      return { username: c.username, password: c.password };
    return undefined;
  };
}

/** X-Registry-Config for a build: credentials for every registry it pulls from or pushes to. */
export async function buildRegistryAuth(
  credentials: EngineCredentials | undefined,
  domains: Iterable<string>,
): Promise<Record<string, RegistryCredentials> | undefined> {
  if (!credentials) return undefined;
  const out: Record<string, RegistryCredentials> = {};
  for (const domain of new Set(domains)) {
    const found = await credentials(domain);
    if (found) out[credentialKey(domain)] = found;
  }
  return Object.keys(out).length ? out : undefined;
}
