import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

/** A file's content, or a symlink. Paths are relative to the image root: `var/lib/dpkg/status`. */
export type FileSpec =
  string | Buffer | { content: string | Buffer; mode?: number } | { symlink: string };

export interface LayerSpec {
  files?: Record<string, FileSpec>;
  /** Adds Debian's static busybox as /bin/busybox with /bin/sh and common applets linked to it. */
  busybox?: boolean;
}

export interface ConfigSpec {
  /** RFC 3339; default 2024-01-01T00:00:00Z so digests are reproducible. */
  created?: string;
  labels?: Record<string, string>;
  env?: string[];
  user?: string;
  /** `["80/tcp"]` */
  exposedPorts?: string[];
  cmd?: string[];
  entrypoint?: string[];
  workingDir?: string;
  os?: string;
  architecture?: string;
  variant?: string;
}

export interface ImageSpec {
  layers?: LayerSpec[];
  config?: ConfigSpec;
  /** OCI media types (default) or Docker schema 2. */
  format?: 'oci' | 'docker';
}

export interface PushOptions {
  /** Authorization header value for registries that need one. */
  authorization?: string;
}

export interface PushedLayer {
  digest: string;
  diffId: string;
  size: number;
}

export interface PushedImage {
  /** Manifest digest: what a HEAD of the tag returns. */
  digest: string;
  mediaType: string;
  manifest: string;
  configDigest: string;
  config: Record<string, unknown>;
  layers: PushedLayer[];
  diffIds: string[];
}

export interface PushedIndex {
  digest: string;
  mediaType: string;
  manifest: string;
  /** `{"linux/amd64": PushedImage}` */
  platforms: Record<string, PushedImage>;
}

const TYPES = {
  oci: {
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    index: 'application/vnd.oci.image.index.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  },
  docker: {
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  },
} as const;

const ACCEPT = [
  TYPES.oci.index,
  TYPES.oci.manifest,
  TYPES.docker.index,
  TYPES.docker.manifest,
].join(', ');
const EPOCH = new Date('2024-01-01T00:00:00Z');
const BUSYBOX_APPLETS = [
  'sh',
  'ls',
  'cat',
  'echo',
  'mkdir',
  'rm',
  'cp',
  'mv',
  'env',
  'true',
  'false',
  'test',
  'grep',
  'sed',
  'touch',
  'chmod',
  'id',
  'uname',
  'sleep',
  'wc',
  'head',
  'tail',
  'find',
  'date',
];

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** An uncompressed tar (its sha256 is the diff_id) and its gzip (the blob). */
export async function buildLayer(spec: LayerSpec): Promise<{ tar: Buffer; blob: Buffer }> {
  const files: Record<string, FileSpec> = { ...spec.files };
  if (spec.busybox) {
    files['bin/busybox'] = { content: readFileSync('/bin/busybox'), mode: 0o755 };
    for (const applet of BUSYBOX_APPLETS) files[`bin/${applet}`] ??= { symlink: 'busybox' };
  }
  const dirs = new Set<string>();
  for (const path of Object.keys(files)) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const pack = tar.pack();
  const base = { mtime: EPOCH, uid: 0, gid: 0 };
  for (const dir of [...dirs].sort())
    pack.entry({ ...base, name: `${dir}/`, type: 'directory', mode: 0o755 });
  for (const path of Object.keys(files).sort()) {
    const f = files[path] as FileSpec;
    if (typeof f === 'object' && 'symlink' in f) {
      pack.entry({ ...base, name: path, type: 'symlink', linkname: f.symlink, mode: 0o777 });
    } else {
      const content = typeof f === 'string' || Buffer.isBuffer(f) ? f : f.content;
      const mode = typeof f === 'object' && !Buffer.isBuffer(f) ? (f.mode ?? 0o644) : 0o644;
      pack.entry({ ...base, name: path, mode }, Buffer.from(content));
    }
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  const tarball = Buffer.concat(chunks);
  return { tar: tarball, blob: gzipSync(tarball) };
}

async function call(
  url: string,
  init: RequestInit,
  options: PushOptions,
  expect: number[],
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (options.authorization) headers.set('authorization', options.authorization);
  const res = await fetch(url, { ...init, headers, redirect: 'manual' });
  if (!expect.includes(res.status)) {
    throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${await res.text()}`);
  }
  return res;
}

/** Uploads a blob unless the repository has it: POST an upload, then PUT with the digest. */
export async function pushBlob(
  registryUrl: string,
  repo: string,
  data: Buffer,
  options: PushOptions = {},
): Promise<string> {
  const digest = sha256(data);
  const head = await call(
    `${registryUrl}/v2/${repo}/blobs/${digest}`,
    { method: 'HEAD' },
    options,
    [200, 404],
  );
  if (head.status === 200) return digest;
  const start = await call(
    `${registryUrl}/v2/${repo}/blobs/uploads/`,
    { method: 'POST' },
    options,
    [202],
  );
  await start.arrayBuffer();
  const location = new URL(start.headers.get('location') ?? '', registryUrl);
  location.searchParams.set('digest', digest);
  const put = await call(
    location.href,
    { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } },
    options,
    [201],
  );
  await put.arrayBuffer();
  return digest;
}

export async function putManifest(
  registryUrl: string,
  repo: string,
  reference: string,
  manifest: string,
  mediaType: string,
  options: PushOptions = {},
): Promise<string> {
  const res = await call(
    `${registryUrl}/v2/${repo}/manifests/${reference}`,
    { method: 'PUT', body: manifest, headers: { 'content-type': mediaType } },
    options,
    [201],
  );
  await res.arrayBuffer();
  return sha256(manifest);
}

function imageConfig(spec: ConfigSpec, diffIds: string[]): Record<string, unknown> {
  const inner: Record<string, unknown> = {};
  if (spec.env) inner.Env = spec.env;
  if (spec.user) inner.User = spec.user;
  if (spec.exposedPorts)
    inner.ExposedPorts = Object.fromEntries(spec.exposedPorts.map((p) => [p, {}]));
  if (spec.cmd) inner.Cmd = spec.cmd;
  if (spec.entrypoint) inner.Entrypoint = spec.entrypoint;
  if (spec.workingDir) inner.WorkingDir = spec.workingDir;
  if (spec.labels) inner.Labels = spec.labels;
  const created = spec.created ?? EPOCH.toISOString();
  return {
    created,
    architecture: spec.architecture ?? 'amd64',
    os: spec.os ?? 'linux',
    ...(spec.variant ? { variant: spec.variant } : {}),
    config: inner,
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map(() => ({ created, created_by: 'restack test harness' })),
  };
}

/** Pushes the image's layers and config, then its manifest under `reference` (a tag, or its digest when null). */
export async function pushImage(
  registryUrl: string,
  repo: string,
  reference: string | null,
  spec: ImageSpec = {},
  options: PushOptions = {},
): Promise<PushedImage> {
  const types = TYPES[spec.format ?? 'oci'];
  const layers: PushedLayer[] = [];
  for (const layerSpec of spec.layers ?? []) {
    const { tar: tarball, blob } = await buildLayer(layerSpec);
    const digest = await pushBlob(registryUrl, repo, blob, options);
    layers.push({ digest, diffId: sha256(tarball), size: blob.length });
  }
  const diffIds = layers.map((l) => l.diffId);
  const config = imageConfig(spec.config ?? {}, diffIds);
  const configJson = Buffer.from(JSON.stringify(config));
  const configDigest = await pushBlob(registryUrl, repo, configJson, options);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: types.config, digest: configDigest, size: configJson.length },
    layers: layers.map((l) => ({ mediaType: types.layer, digest: l.digest, size: l.size })),
  });
  const digest = sha256(manifest);
  await putManifest(registryUrl, repo, reference ?? digest, manifest, types.manifest, options);
  return { digest, mediaType: types.manifest, manifest, configDigest, config, layers, diffIds };
}

/**
 * Pushes one image per platform (`linux/amd64`, `linux/arm64/v8`) by digest,
 * then an index naming them under `tag`.
 */
export async function pushIndex(
  registryUrl: string,
  repo: string,
  tag: string,
  platforms: Record<string, ImageSpec>,
  options: PushOptions & { format?: 'oci' | 'docker' } = {},
): Promise<PushedIndex> {
  const types = TYPES[options.format ?? 'oci'];
  const pushed: Record<string, PushedImage> = {};
  const manifests = [];
  for (const [platform, spec] of Object.entries(platforms)) {
    const [os = 'linux', architecture = 'amd64', variant] = platform.split('/');
    const image = await pushImage(
      registryUrl,
      repo,
      null,
      { ...spec, format: options.format, config: { ...spec.config, os, architecture, variant } },
      options,
    );
    pushed[platform] = image;
    manifests.push({
      mediaType: image.mediaType,
      digest: image.digest,
      size: Buffer.byteLength(image.manifest),
      platform: { os, architecture, ...(variant ? { variant } : {}) },
    });
  }
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: types.index, manifests });
  const digest = await putManifest(registryUrl, repo, tag, manifest, types.index, options);
  return { digest, mediaType: types.index, manifest, platforms: pushed };
}

/** Points `tag` at an existing manifest: GET it by digest, PUT it under the tag. */
export async function tagManifest(
  registryUrl: string,
  repo: string,
  tag: string,
  digest: string,
  options: PushOptions = {},
): Promise<void> {
  const res = await call(
    `${registryUrl}/v2/${repo}/manifests/${digest}`,
    { headers: { accept: ACCEPT } },
    options,
    [200],
  );
  const body = await res.text();
  await putManifest(
    registryUrl,
    repo,
    tag,
    body,
    res.headers.get('content-type') ?? TYPES.oci.manifest,
    options,
  );
}

/** The digest a tag points at now, or null when it does not exist. */
export async function tagDigest(
  registryUrl: string,
  repo: string,
  tag: string,
  options: PushOptions = {},
): Promise<string | null> {
  const res = await call(
    `${registryUrl}/v2/${repo}/manifests/${tag}`,
    { method: 'HEAD', headers: { accept: ACCEPT } },
    options,
    [200, 404],
  );
  return res.status === 200 ? res.headers.get('docker-content-digest') : null;
}

/** Deletes a manifest by digest; distribution also removes every tag pointing at it. */
export async function deleteManifest(
  registryUrl: string,
  repo: string,
  digest: string,
  options: PushOptions = {},
): Promise<void> {
  const res = await call(
    `${registryUrl}/v2/${repo}/manifests/${digest}`,
    { method: 'DELETE' },
    options,
    [202],
  );
  await res.arrayBuffer();
}

/** Deletes a tag. Distribution 2.8 cannot delete a tag alone, so this deletes the manifest it points at. */
export async function deleteTag(
  registryUrl: string,
  repo: string,
  tag: string,
  options: PushOptions = {},
): Promise<string> {
  const digest = await tagDigest(registryUrl, repo, tag, options);
  if (digest === null) throw new Error(`${repo}:${tag} does not exist on ${registryUrl}`);
  await deleteManifest(registryUrl, repo, digest, options);
  return digest;
}
