// Static checks of docker-compose.yml: it parses, runs NATS with JetStream and
// a registry pinned by digest, and every restack service as its own hardened
// container built from infra/docker/Dockerfile, with a health check, the
// mounted restack.yaml and environment overrides restack really reads.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '@restack/config';
import { extractDockerfile } from '@restack/dockerfile';
import { parseDocument } from 'yaml';
import { repoRoot } from '../harness/cli.js';
import { services } from '../harness/deploy.js';

const PINNED = /@sha256:[0-9a-f]{64}$/;

async function serviceNames(): Promise<string[]> {
  return [...(await services()).keys()];
}

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; target?: string };
  command?: string[];
  user?: string;
  read_only?: boolean;
  cap_drop?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] };
}

async function compose(): Promise<{ services: Record<string, ComposeService> }> {
  const text = await readFile(path.join(repoRoot, 'docker-compose.yml'), 'utf8');
  // Compose supports YAML merge keys (<<: *anchor).
  const doc = parseDocument(text, { merge: true });
  assert.deepEqual(
    doc.errors.map((e) => e.message),
    [],
  );
  return doc.toJS() as { services: Record<string, ComposeService> };
}

describe('docker-compose.yml', () => {
  it('has a container for every service, built from its own Dockerfile target', async () => {
    const { services: all } = await compose();
    const dockerfile = await readFile(path.join(repoRoot, 'infra', 'docker', 'Dockerfile'), 'utf8');
    const targets = extractDockerfile(dockerfile, { file: 'Dockerfile' }).stages.map((s) => s.name);
    for (const name of await serviceNames()) {
      const svc = all[name];
      assert.ok(svc, `no compose service for services/${name}`);
      assert.equal(svc.build?.context, '.', name);
      assert.equal(svc.build?.dockerfile, 'infra/docker/Dockerfile', name);
      assert.equal(svc.build?.target, name, name);
      assert.ok(targets.includes(name), `infra/docker/Dockerfile has no target ${name}`);
    }
  });

  it('runs NATS with JetStream and a registry, both pinned by digest and health-checked', async () => {
    const { services: all } = await compose();
    const nats = all.nats;
    assert.match(nats?.image ?? '', /^nats:[^@]+@sha256:[0-9a-f]{64}$/);
    assert.ok(
      nats?.command?.some((a) => a === '--jetstream' || a === '-js'),
      'JetStream is on',
    );
    assert.ok(nats?.healthcheck?.test?.join(' ').includes('/healthz'));
    const registry = all.registry;
    assert.match(registry?.image ?? '', /^registry:[^@]+@sha256:[0-9a-f]{64}$/);
    assert.ok(registry?.healthcheck?.test?.join(' ').includes('/v2/'));
    for (const [name, svc] of Object.entries(all)) {
      if (!svc.build) assert.match(svc.image ?? '', PINNED, `${name} is not built here, so pin it`);
    }
  });

  it('hardens every restack container and checks its health', async () => {
    const { services: all } = await compose();
    const kinds = await services();
    for (const name of kinds.keys()) {
      const svc = all[name] as ComposeService;
      assert.match(svc.user ?? '', /^[1-9][0-9]*:[1-9][0-9]*$/, `${name} runs as a non-root UID`);
      assert.equal(svc.read_only, true, `${name} has a read-only root filesystem`);
      assert.deepEqual(svc.cap_drop, ['ALL'], name);
      assert.match(svc.healthcheck?.test?.join(' ') ?? '', /\/(readyz|livez|healthz)/, name);
      if (kinds.get(name) === 'bus')
        assert.equal(svc.depends_on?.nats?.condition, 'service_healthy', name);
    }
  });

  it('mounts restack.yaml and points every service at NATS with settings restack reads', async () => {
    const { services: all } = await compose();
    const kinds = await services();
    for (const name of kinds.keys()) {
      const svc = all[name] as ComposeService;
      const config = svc.volumes?.find((v) => /:\/etc\/restack(:ro)?$/.test(v));
      assert.ok(config?.endsWith(':/etc/restack:ro'), `${name} mounts the config folder read-only`);
      const env = svc.environment ?? {};
      // The admission webhook (its own process) too: it records reviewed images for rescans.
      assert.equal(env.RESTACK_NATS__SERVERS, 'nats://nats:4222', name);
      for (const [key, value] of Object.entries(env)) {
        if (/TOKEN|PASSWORD|SECRET|PRIVATE_KEY/i.test(key))
          assert.fail(`${name}: ${key}=${value} is a secret in the file`);
      }
      // The overrides must be real restack.yaml settings (unknown keys are errors).
      const loaded = parseConfig('sources: []\n', 'restack.yaml', env);
      assert.deepEqual(loaded.config.nats?.servers, 'nats://nats:4222', name);
    }
    const mount = all.gateway?.volumes?.find((v) => v.endsWith(':/etc/restack:ro')) ?? '';
    const folder = /^\$\{RESTACK_CONFIG_DIR:-([^}]+)\}/.exec(mount)?.[1] ?? '';
    assert.ok(
      existsSync(path.join(repoRoot, folder, 'restack.yaml')),
      `default config ${folder}/restack.yaml`,
    );
  });
});
