import type { Readable } from 'node:stream';
import type { Logger } from '@restack/core';

/**
 * Registry credentials for a push (X-Registry-Auth) or for the pulls a build
 * makes (X-Registry-Config). They go to the engine in a header and nowhere
 * else: never into a log line, an event or an error message.
 */
export type RegistryCredentials =
  { username: string; password: string } | { identityToken: string } | { registryToken: string };

export interface BuildRequest {
  /** The build context as an uncompressed tar stream (see `contextFromFolder`, `contextFromGit`). */
  context: Readable;
  /** The Dockerfile's path inside the context. Default `Dockerfile`. */
  dockerfile?: string;
  /**
   * Replaces (or adds) the Dockerfile in the context with this text, so a
   * Dockerfile whose FROM lines were pinned to digests is what gets built.
   */
  dockerfileContent?: string;
  /** Multi-stage target. */
  target?: string;
  /** Build arguments. Their values may be secret: only their names are logged. */
  buildArgs?: Record<string, string>;
  /** `linux/amd64`, `linux/arm64/v8`, ... */
  platform?: string;
  /** Image labels, e.g. from `ociLabels()`. */
  labels?: Record<string, string>;
  /** Full references the image is tagged as: `registry.example/team/app:1.2`. At least one. */
  tags: string[];
  /** Pull the FROM images even when the engine has them (default true: a stale local tag is never reused). */
  pull?: boolean;
  noCache?: boolean;
  /** Credentials for pulling FROM images, by registry host (`ghcr.io`, `127.0.0.1:5000`). */
  registryAuth?: Record<string, RegistryCredentials>;
  /** Aborts the build after this long. Default: the engine's `buildTimeoutMs`. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Receives the build log line by line; default: the engine's logger. */
  logger?: Logger;
}

export interface BuildStep {
  number: number;
  total: number;
  /** The instruction as the engine printed it: `RUN make`. */
  instruction: string;
}

export interface BuildResult {
  /** The engine's image id, `sha256:...`. Not a registry digest. */
  imageId: string;
  tags: string[];
  /** How many steps the engine reported, when it numbered them. */
  steps: number | null;
}

export interface PushRequest {
  /** `registry.example/team/app:1.2`. */
  reference: string;
  credentials?: RegistryCredentials;
  signal?: AbortSignal;
}

export interface PushResult {
  reference: string;
  /** The manifest digest the registry now serves for the reference. */
  digest: string;
}

export interface ImageDetails {
  id: string;
  repoTags: string[];
  labels: Record<string, string>;
  /** `rootfs.diff_ids` as the engine stores them, base layers first. */
  diffIds: string[];
  os: string;
  architecture: string;
  created: string | null;
}

export const engineKinds = ['docker', 'podman', 'unknown'] as const;
export type EngineKind = (typeof engineKinds)[number];

export interface EngineInfo {
  kind: EngineKind;
  version: string;
  apiVersion: string;
}

/**
 * What restack needs from a container engine. Adapters: `createDockerodeEngine`
 * (any Docker Engine API: Docker, or podman's compatible service).
 */
export interface ImageEngine {
  ping(): Promise<EngineInfo>;
  build(request: BuildRequest): Promise<BuildResult>;
  push(request: PushRequest): Promise<PushResult>;
  /** null when the engine has no such image. */
  inspect(reference: string): Promise<ImageDetails | null>;
  /** Untags (and deletes, when no tag is left) an image; false when it was not there. */
  remove(reference: string, options?: { force?: boolean }): Promise<boolean>;
}
