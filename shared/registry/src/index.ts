export { createRegistryClient } from './client.js';
export type {
  RegistryClient,
  RegistryClientOptions,
  ResolveRequest,
  ResolvedImage,
} from './client.js';
export { resolveDigests } from './resolve-digests.js';
export type { DigestReport } from './resolve-digests.js';
export { registriesSchema, registrySettingsSchema } from './schema.js';
export type { RegistriesSettings, RegistrySettings } from './schema.js';
export { DEFAULT_SETTINGS, DOCKER_HUB_SETTINGS, settingsFor } from './settings.js';
export type { EffectiveSettings } from './settings.js';
export { RegistryError, failureKinds } from './failure.js';
export type { FailureKind, RegistryFailure, RegistryResult } from './failure.js';
export { createDockerCredentialStore, dockerConfigPath } from './docker-config.js';
export type { CredentialStore, Credentials } from './docker-config.js';
export { MANIFEST_ACCEPT, MEDIA_TYPES, normalisePlatform, sha256Digest } from './manifest.js';
export type { FetchedManifest, ResolveOptions } from './reads.js';
export type { ImageConfigInfo, ImageConfigOptions } from './image-config.js';
export type { RequestCount, RequestFilter, RequestKind } from './metrics.js';
export type { ReferenceInput } from './target.js';
