import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseConfig } from '@restack/config';
import type { AdmissionReviewResponse, AdmissionSettingsInput } from '@restack/lifecycle';
import { startAdmission, type Admission } from '@restack/svc-admission';
import { pushImage } from '../harness/images.js';
import { testLogger } from '../harness/nats.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const run = promisify(execFile);
const TIMEOUT = { timeout: 120_000 };
const NOW = new Date('2025-06-01T00:00:00Z');

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI. */
async function selfSigned(dir: string): Promise<{ key: Buffer; cert: Buffer }> {
  const key = path.join(dir, 'tls.key');
  const cert = path.join(dir, 'tls.crt');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=restack-admission',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { key: await readFile(key), cert: await readFile(cert) };
}

function post(
  port: number,
  ca: Buffer,
  body: unknown,
): Promise<{ status: number; json: AdmissionReviewResponse }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/admission/validate',
        method: 'POST',
        ca,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(text) as AdmissionReviewResponse,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** An AdmissionReview as the API server sends it (admission.k8s.io/v1). */
function review(
  kind: string,
  operation: 'CREATE' | 'UPDATE',
  object: unknown,
  oldObject: unknown = null,
) {
  const resource =
    { Deployment: 'deployments', CronJob: 'cronjobs', Pod: 'pods' }[kind] ?? kind.toLowerCase();
  const group = kind === 'Deployment' ? 'apps' : kind === 'CronJob' ? 'batch' : '';
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `uid-${Math.random().toString(16).slice(2)}`,
      kind: { group, version: 'v1', kind },
      resource: { group, version: 'v1', resource },
      requestKind: { group, version: 'v1', kind },
      requestResource: { group, version: 'v1', resource },
      name: 'web',
      namespace: 'shop',
      operation,
      userInfo: {
        username: 'system:serviceaccount:kube-system:deployment-controller',
        groups: ['system:authenticated'],
      },
      object,
      oldObject,
      dryRun: false,
      options: {
        apiVersion: 'meta.k8s.io/v1',
        kind: operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions',
      },
    },
  };
}

const deployment = (image: string, replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] },
    },
  },
});

function policyConfig(host: string, extra = ''): string {
  return [
    `registries: { '${host}': { insecure: true, retries: 0, timeoutMs: 5000 } }`,
    'policies:',
    '  - name: cluster',
    '    version: 1',
    '    rules:',
    '      maxAgeDays: { days: 90, action: deny }',
    '      nonRootUser: { action: warn }',
    '      noExposedPorts: { action: deny }',
    extra,
  ].join('\n');
}

describe('admission webhook', () => {
  let registry: TestRegistry;
  let dir: string;
  let tls: { key: Buffer; cert: Buffer };
  const started: Admission[] = [];

  async function admission(
    configText: string,
    settings: AdmissionSettingsInput = {},
  ): Promise<Admission> {
    const a = await startAdmission({
      loaded: parseConfig(configText, path.join(dir, 'restack.yaml')),
      tls,
      port: 0,
      host: '127.0.0.1',
      settings,
      logger: testLogger(),
      clock: () => NOW,
    });
    started.push(a);
    return a;
  }

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'restack-admission-'));
    tls = await selfSigned(dir);
    registry = await startRegistry();
    const layer = { files: { 'etc/os-release': 'ID=test\n' } };
    const { url } = registry;
    await pushImage(url, 'team/web', '1', {
      layers: [layer],
      config: { created: '2025-05-20T00:00:00Z', user: '10001' },
    });
    await pushImage(url, 'team/old', '1', {
      layers: [layer],
      config: { created: '2024-01-01T00:00:00Z', user: '10001' },
    });
    await pushImage(url, 'team/root', '1', {
      layers: [layer],
      config: { created: '2025-05-20T00:00:00Z' },
    });
    await pushImage(url, 'team/ssh', '1', {
      layers: [layer],
      config: { created: '2025-05-20T00:00:00Z', user: '10001', exposedPorts: ['22/tcp'] },
    });
  });
  after(async () => {
    for (const a of started) await a.close();
    await registry?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    'lets a scale-up through when the image is unchanged, even an image it would deny, without a lookup',
    TIMEOUT,
    async () => {
      const a = await admission(policyConfig(registry.host));
      const old = `${registry.host}/team/old:1`;
      const r = await post(
        a.port,
        tls.cert,
        review('Deployment', 'UPDATE', deployment(old, 5), deployment(old, 2)),
      );
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys(r.json), ['apiVersion', 'kind', 'response']);
      assert.equal(r.json.response.allowed, true);
      assert.equal(r.json.response.warnings, undefined);
      assert.equal(a.registry.requestCount(), 0);
    },
  );

  it(
    'denies a new image that violates a deny rule, with a 403 status message',
    TIMEOUT,
    async () => {
      const a = await admission(policyConfig(registry.host));
      const body = review(
        'Deployment',
        'UPDATE',
        deployment(`${registry.host}/team/old:1`, 2),
        deployment(`${registry.host}/team/web:1`, 2),
      );
      const r = await post(a.port, tls.cert, body);
      assert.equal(r.json.response.uid, body.request.uid);
      assert.equal(r.json.response.allowed, false);
      assert.equal(r.json.response.status?.code, 403);
      assert.match(
        r.json.response.status!.message,
        /Deployment shop\/web: container "web" image .*team\/old:1: .* 517 days old .*limit is 90 \[cluster\/maxAgeDays\]/,
      );
    },
  );

  it('warns through warnings[] for a warn rule and allows', TIMEOUT, async () => {
    const a = await admission(policyConfig(registry.host));
    const r = await post(
      a.port,
      tls.cert,
      review('Deployment', 'CREATE', deployment(`${registry.host}/team/root:1`, 1)),
    );
    assert.equal(r.json.response.allowed, true);
    assert.equal(r.json.response.warnings?.length, 1);
    assert.match(
      r.json.response.warnings![0]!,
      /container "web" image .*team\/root:1: .*runs as root .*\[cluster\/nonRootUser\]/,
    );
  });

  it('checks init containers inside a CronJob pod template', TIMEOUT, async () => {
    const a = await admission(policyConfig(registry.host));
    const cronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      spec: {
        schedule: '0 * * * *',
        jobTemplate: {
          spec: {
            template: {
              spec: {
                initContainers: [{ name: 'setup', image: `${registry.host}/team/ssh:1` }],
                containers: [{ name: 'job', image: `${registry.host}/team/web:1` }],
                restartPolicy: 'Never',
              },
            },
          },
        },
      },
    };
    const r = await post(a.port, tls.cert, review('CronJob', 'CREATE', cronJob));
    assert.equal(r.json.response.allowed, false);
    assert.match(
      r.json.response.status!.message,
      /init container "setup" image .*ssh:1: port 22 is exposed/,
    );
  });

  it(
    'caches registry answers: a second review of the same image costs no request',
    TIMEOUT,
    async () => {
      const a = await admission(policyConfig(registry.host));
      const body = () =>
        review('Deployment', 'CREATE', deployment(`${registry.host}/team/web:1`, 1));
      assert.equal((await post(a.port, tls.cert, body())).json.response.allowed, true);
      const afterFirst = a.registry.requestCount();
      assert.ok(afterFirst > 0);
      assert.equal((await post(a.port, tls.cert, body())).json.response.allowed, true);
      assert.equal(a.registry.requestCount(), afterFirst);
    },
  );

  it(
    'fails open with a warning, or closed with a denial, when the registry cannot be reached',
    TIMEOUT,
    async () => {
      const port = await closedPort();
      const host = `127.0.0.1:${port}`;
      const body = () => review('Deployment', 'CREATE', deployment(`${host}/team/web:1`, 1));
      const open = await admission(policyConfig(host), { failMode: 'open' });
      const o = await post(open.port, tls.cert, body());
      assert.equal(o.json.response.allowed, true);
      assert.match(
        o.json.response.warnings![0]!,
        /could not read it: .*127\.0\.0\.1.*allowed \(fail-open\)/,
      );
      const closed = await admission(policyConfig(host), { failMode: 'closed' });
      const c = await post(closed.port, tls.cert, body());
      assert.equal(c.json.response.allowed, false);
      assert.match(c.json.response.status!.message, /could not read it: .*\(fail-closed\)/);
    },
  );

  it('answers by its deadline when the registry hangs', TIMEOUT, async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    try {
      const host = `127.0.0.1:${(silent.address() as { port: number }).port}`;
      const open = await admission(policyConfig(host), { failMode: 'open', deadlineMs: 300 });
      const r = await post(
        open.port,
        tls.cert,
        review('Deployment', 'CREATE', deployment(`${host}/team/web:1`, 1)),
      );
      assert.equal(r.json.response.allowed, true);
      assert.match(
        r.json.response.warnings![0]!,
        /could not check it within 300 ms; allowed \(fail-open\)/,
      );
      const closed = await admission(policyConfig(host), { failMode: 'closed', deadlineMs: 300 });
      const c = await post(
        closed.port,
        tls.cert,
        review('Deployment', 'CREATE', deployment(`${host}/team/web:1`, 1)),
      );
      assert.equal(c.json.response.allowed, false);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('refuses a body that is not an AdmissionReview with 400', TIMEOUT, async () => {
    const a = await admission(policyConfig(registry.host));
    const r = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: a.port,
          path: '/admission/validate',
          method: 'POST',
          ca: tls.cert,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(
        JSON.stringify({
          apiVersion: 'admission.k8s.io/v1beta1',
          kind: 'AdmissionReview',
          request: {},
        }),
      );
    });
    assert.equal(r, 400);
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
