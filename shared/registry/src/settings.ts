import type { RegistriesSettings, RegistrySettings } from './schema.js';

export type EffectiveSettings = Required<RegistrySettings>;

export const DEFAULT_SETTINGS: EffectiveSettings = {
  insecure: false,
  concurrency: 8,
  requestsPerSecond: 20,
  timeoutMs: 15_000,
  retries: 3,
  maxRetryAfterMs: 60_000,
};

// Docker Hub rate-limits per IP and per account; stay well below it.
// https://docs.docker.com/docker-hub/usage/
export const DOCKER_HUB_SETTINGS: EffectiveSettings = {
  ...DEFAULT_SETTINGS,
  concurrency: 2,
  requestsPerSecond: 2,
  timeoutMs: 20_000,
};

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** The key a registry host is known by: lower-case, Hub aliases folded into `docker.io`. */
export function registryKey(domain: string): string {
  const host = domain.toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}

export function settingsFor(
  domain: string,
  registries: RegistriesSettings = {},
): EffectiveSettings {
  const key = registryKey(domain);
  const base = key === DOCKER_HUB ? DOCKER_HUB_SETTINGS : DEFAULT_SETTINGS;
  const own = Object.entries(registries).find(([k]) => registryKey(k) === key)?.[1] ?? {};
  const defined = Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined));
  return { ...base, ...defined };
}

export interface Endpoint {
  /** `localhost:5000`, `docker.io`: labels, logs, settings. */
  key: string;
  /** Where requests go: `https://registry-1.docker.io`, `http://127.0.0.1:5000`. */
  baseUrl: string;
  /** The key Docker's config.json stores this registry's credentials under. */
  credentialKey: string;
}

/**
 * Docker Hub references name `docker.io` but the API lives at
 * `registry-1.docker.io`, and `docker login` files Hub credentials under
 * `https://index.docker.io/v1/` (docker/cli registry.IndexServer).
 */
export function endpointFor(domain: string, settings: EffectiveSettings): Endpoint {
  const key = registryKey(domain);
  if (key === DOCKER_HUB) {
    return {
      key,
      baseUrl: 'https://registry-1.docker.io',
      credentialKey: 'https://index.docker.io/v1/',
    };
  }
  const scheme = settings.insecure ? 'http' : 'https';
  return { key, baseUrl: `${scheme}://${domain}`, credentialKey: domain };
}
