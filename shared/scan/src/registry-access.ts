import {
  createFetchImageSource,
  type BasicCredentials,
  type ImageSource,
} from '@restack/inventory';
import type { ImageReference } from '@restack/reference';
import {
  settingsFor,
  type CredentialStore,
  type Credentials,
  type RegistriesSettings,
} from '@restack/registry';

/** How restack reaches registries: restack.yaml `registries:` and Docker's credential store. */
export interface RegistryAccess {
  registries: RegistriesSettings;
  credentials: CredentialStore;
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** The key Docker's config.json files a registry's credentials under (docker/cli registry.IndexServer for Hub). */
export function credentialKey(domain: string): string {
  return DOCKER_HUB.has(domain.toLowerCase()) ? 'https://index.docker.io/v1/' : domain;
}

/** Whether restack.yaml marks a registry as plain http. */
export function isInsecureRegistry(registries: RegistriesSettings): (host: string) => boolean {
  return (host) => settingsFor(host, registries).insecure;
}

/** Credentials for a registry host, as the Docker CLI would find them; undefined when there are none. */
export async function registryCredentials(
  store: CredentialStore,
  domain: string,
): Promise<Credentials | undefined> {
  return (await store.get(credentialKey(domain))) ?? undefined;
}

/**
 * An @restack/inventory ImageSource that speaks plain http where restack.yaml
 * says so and logs in with the user's Docker credentials (username and
 * password; token-only entries are not used for reading layers). Each host's
 * credentials are looked up once, before its first request.
 */
export function registryImageSource(access: RegistryAccess): ImageSource {
  const known = new Map<string, BasicCredentials | undefined>();
  const inner = createFetchImageSource({
    plainHttp: isInsecureRegistry(access.registries),
    credentials: (host) => known.get(host),
  });
  async function ready(ref: ImageReference): Promise<void> {
    if (known.has(ref.domain)) return;
    const found = await registryCredentials(access.credentials, ref.domain);
    known.set(
      ref.domain,
      found?.username !== undefined && found.password !== undefined
        ? { username: found.username, password: found.password }
        : undefined,
    );
  }
  return {
    async manifest(ref, reference) {
      await ready(ref);
      return inner.manifest(ref, reference);
    },
    async blob(ref, digest) {
      await ready(ref);
      return inner.blob(ref, digest);
    },
  };
}
