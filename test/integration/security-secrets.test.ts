import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connectBus, restackTopology, type Bus } from '@restack/bus';
import { actionsSchema, limitsSchema } from '@restack/campaign';
import { parseConfig } from '@restack/config';
import { createLogger, type Logger } from '@restack/core';
import { createRegistryClient, resolveDigests, type RegistryClient } from '@restack/registry';
import type { Runtime } from '@restack/service';
import { startDispatcher } from '@restack/svc-dispatcher';
import { githubPushRoute, registryWebhookRoute, startGateway } from '@restack/svc-gateway';
import type { Gateway } from '@restack/svc-gateway';
import { startGraphService } from '@restack/svc-graph';
import { startPrBot } from '@restack/svc-pr-bot';
import { WATCHER_TOPOLOGY, startWatcher, type Watcher } from '@restack/svc-registry-watcher';
import { signBody, webhookKinds } from '@restack/webhooks';
import { adapterFor } from '../github-server/clients.js';
import { startGitHubServer, type GitHubTestServer } from '../github-server/index.js';
import { runCli } from '../harness/cli.js';
import { pushImage } from '../harness/images.js';
import { startNats, waitFor, type TestNats } from '../harness/nats.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

// A realistic run with known secrets (registry password, a wrong registry
// password, the GitHub token, webhook secrets, the API token), every logger
// at debug: a webhook moves a base image behind registry auth, the graph
// plans, pr-bot opens a PR on the GitHub server, bad webhooks and bad
// credentials are tried, `restack digests` reports. Then every log line,
// every message of every stream (dead letters and KV included), every
// request body sent to GitHub and every API answer is searched for each
// secret, raw and in the base64 form Basic auth uses.

const USER = 'alice';
const PASSWORD = 'reg-pass-5e7d1c9a';
const BAD_PASSWORD = 'reg-wrong-pass-08b4f2';
const API_TOKEN = 'api-token-c41f7e20';
const GENERIC_SECRET = 'hook-generic-9a0d3b';
const PUSH_SECRET = 'hook-push-61ce44';
const HUB_SECRET = 'hook-hub-2f8a90';
const CONFIGURED_KINDS: readonly string[] = ['generic', 'dockerhub'];
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('secrets never leave restack', { timeout: 240_000 }, () => {
  let nats: TestNats;
  let reg: TestRegistry;
  let github: GitHubTestServer;
  let bus: Bus;
  let dir: string;
  let gw: Gateway;
  let watcher: Watcher;
  let githubToken = '';
  const services: Runtime[] = [];
  const clients: RegistryClient[] = [];
  const logs: string[] = [];
  /** Everything restack printed or answered outside the logs: API bodies, CLI output. */
  const outputs: string[] = [];
  const secrets = (): Record<string, string> => ({
    'registry password': PASSWORD,
    'registry Basic auth': b64(`${USER}:${PASSWORD}`),
    'wrong registry password': BAD_PASSWORD,
    'wrong registry Basic auth': b64(`${USER}:${BAD_PASSWORD}`),
    'GitHub token': githubToken,
    'API token': API_TOKEN,
    'generic webhook secret': GENERIC_SECRET,
    'push webhook secret': PUSH_SECRET,
    'Docker Hub webhook token': HUB_SECRET,
  });

  function leaks(text: string): string[] {
    return Object.entries(secrets())
      .filter(([, v]) => v.length > 0 && text.includes(v))
      .map(([k]) => k);
  }

  const logger: Logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _e, done) {
        logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    }),
  });

  async function dockerConfig(name: string, password: string): Promise<string> {
    const d = path.join(dir, name);
    await mkdir(d, { recursive: true });
    const auths = { [reg.host]: { auth: b64(`${USER}:${password}`) } };
    await writeFile(path.join(d, 'config.json'), JSON.stringify({ auths }));
    return d;
  }

  function registryClient(configDir: string): RegistryClient {
    const c = createRegistryClient({
      registries: { [reg.host]: { insecure: true, retries: 0 } },
      env: { DOCKER_CONFIG: configDir },
      logger,
    });
    clients.push(c);
    return c;
  }

  async function answer(url: string, init: RequestInit = {}): Promise<number> {
    const res = await fetch(url, init);
    // The answer only: the request URL is ours and may carry a (wrong) token on purpose.
    outputs.push(
      `${new URL(url).pathname} ${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`,
    );
    return res.status;
  }

  before(async () => {
    [nats, reg, github] = await Promise.all([
      startNats(),
      startRegistry({ htpasswd: { [USER]: PASSWORD } }),
      startGitHubServer(),
    ]);
    dir = await mkdtemp(path.join(tmpdir(), 'restack-secrets-'));
    const authorization = `Basic ${b64(`${USER}:${PASSWORD}`)}`;
    const base = `${reg.host}/platform/base:1`;
    const v1 = await pushImage(
      reg.url,
      'platform/base',
      '1',
      { layers: [{ files: { v: '1' } }] },
      { authorization },
    );
    await github.control.createRepo({
      owner: 'acme',
      name: 'app',
      files: { Dockerfile: `FROM ${base}@${v1.digest}\nCMD ["app"]\n` },
    });
    githubToken = github.control.createUserToken({ login: 'restack-bot' });
    const gh = adapterFor(github, {
      auth: { type: 'token', token: githubToken },
      log: { logger, lines: () => logs },
    });
    const common = {
      nats: { servers: nats.url },
      handleSignals: false,
      pullExpiresMs: 1_000,
      logger,
    };
    const config = parseConfig(
      'sources:\n  - github: { org: acme, name: gh }\n',
      path.join(dir, 'restack.yaml'),
    );
    services.push(
      await startGraphService({ ...common, config, github: gh, webhookSecret: PUSH_SECRET }),
      await startDispatcher({
        ...common,
        config: {
          limits: limitsSchema.parse({}),
          actions: actionsSchema.parse([{ image: '*', action: 'pr' }]),
        },
        tickMs: 200,
      }),
      await startPrBot({ ...common, github: gh, config: {}, pollMs: 200 }),
    );
    await Promise.all(services.map((s) => s.ready));
    bus = await connectBus({ name: 'secrets-test', connection: { servers: nats.url }, logger });
    await bus.ensureTopology(restackTopology({}, [WATCHER_TOPOLOGY]));
    watcher = await startWatcher({
      bus,
      logger,
      registryClient: registryClient(await dockerConfig('docker', PASSWORD)),
      graphSource: () => [base],
      schedule: false,
      webhooks: false,
      env: { GEN: GENERIC_SECRET, HUB: HUB_SECRET },
      config: {
        webhooks: {
          generic: { secretEnv: 'GEN' },
          dockerhub: { secretEnv: 'HUB', registry: reg.host },
        },
      },
    });
    gw = await startGateway({
      bus,
      logger,
      port: 0,
      token: API_TOKEN,
      routes: [
        githubPushRoute(bus, logger, 10_000),
        registryWebhookRoute((kind, req) => watcher.handleWebhook(kind, req)),
      ],
    });

    // The flow: first sight, a move announced by a signed webhook, a PR.
    await watcher.pollOnce();
    const v2 = await pushImage(
      reg.url,
      'platform/base',
      '1',
      { layers: [{ files: { v: '2' } }] },
      { authorization },
    );
    const hook = JSON.stringify({ ref: base });
    assert.equal(
      await answer(`${gw.url}/webhooks/generic`, {
        method: 'POST',
        body: hook,
        headers: { 'x-restack-signature': signBody(GENERIC_SECRET, hook) },
      }),
      202,
    );
    const [pr] = await waitFor('the rebuild PR', async () => {
      const pulls = await github.control.pullRequests({ owner: 'acme', repo: 'app' });
      return pulls.length > 0 ? pulls : false;
    });
    outputs.push(JSON.stringify(pr));
    assert.match(
      (await github.control.readFile({
        owner: 'acme',
        repo: 'app',
        ref: pr!.head,
        path: 'Dockerfile',
      })) ?? '',
      new RegExp(v2.digest),
    );

    // What goes wrong: bad webhooks (a secret in the wrong place), a wrong API token, a manual trigger.
    await answer(`${gw.url}/webhooks/generic`, {
      method: 'POST',
      body: hook,
      headers: { 'x-restack-signature': signBody(`${GENERIC_SECRET}x`, hook) },
    });
    await answer(`${gw.url}/webhooks/dockerhub?token=${HUB_SECRET}-wrong`, {
      method: 'POST',
      body: '{',
    });
    await answer(`${gw.url}/webhooks/github-push`, {
      method: 'POST',
      body: '{}',
      headers: { 'x-github-event': 'push', 'x-hub-signature-256': signBody(PUSH_SECRET, '{ }') },
    });
    await answer(`${gw.url}/api/campaigns`, {
      method: 'POST',
      body: JSON.stringify({ ref: 'debian:bookworm', digest: `sha256:${'e'.repeat(64)}` }),
      headers: { authorization: `Bearer ${API_TOKEN}-wrong`, 'content-type': 'application/json' },
    });
    await answer(`${gw.url}/api/campaigns`, {
      method: 'POST',
      body: JSON.stringify({ ref: 'debian:bookworm', digest: `sha256:${'e'.repeat(64)}` }),
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
    });
    // A registry that refuses the wrong password, directly and through the CLI's report.
    const bad = await dockerConfig('docker-bad', BAD_PASSWORD);
    const refused = await resolveDigests([base], registryClient(bad));
    assert.equal(refused[0]?.status, 'failed');
    outputs.push(JSON.stringify(refused));
    await writeFile(
      path.join(dir, 'cli.yaml'),
      `sources: [{ path: ./repos }]\nregistries:\n  "${reg.host}": { insecure: true }\n`,
    );
    await mkdir(path.join(dir, 'repos', 'app'), { recursive: true });
    await writeFile(path.join(dir, 'repos', 'app', 'Dockerfile'), `FROM ${base}\n`);
    for (const docker of [bad, path.join(dir, 'docker')]) {
      const cli = await runCli(['digests', '--config', path.join(dir, 'cli.yaml'), '--json'], {
        DOCKER_CONFIG: docker,
        RESTACK_LOG_LEVEL: 'debug',
      });
      outputs.push(cli.stdout, cli.stderr);
    }
    // GitHub refusing a revoked token: the error a user would see.
    const revoked = adapterFor(github, {
      auth: { type: 'token', token: `${githubToken}-revoked` },
      log: { logger, lines: () => logs },
      retries: 0,
    });
    const denied = await revoked.getRepository({ owner: 'acme', repo: 'app' }).then(
      () => assert.fail('a revoked token was accepted'),
      (e: unknown) => e,
    );
    outputs.push(String(denied), JSON.stringify(denied), (denied as Error).stack ?? '');
    // An invalid event, so the dead-letter stream has something to search.
    await jetstream(bus.connection).publish(
      'restack.pr.requested',
      '{"type":"restack.pr.requested"}',
    );
    await waitFor('a dead letter', async () => {
      const jsm = await jetstreamManager(bus.connection);
      const names: string[] = [];
      for await (const s of jsm.streams.list()) names.push(s.config.name);
      const dlq = names.find((n) => /DLQ/.test(n));
      return dlq !== undefined && (await jsm.streams.info(dlq)).state.messages > 0;
    });
    for (const p of ['/api/campaigns', '/api/deadletters', '/api/graph', '/api/images']) {
      await answer(`${gw.url}${p}`);
    }
    const listed = (await (await fetch(`${gw.url}/api/campaigns`)).json()) as {
      campaigns: Array<{ id: string }>;
    };
    assert.ok(listed.campaigns.length > 0);
    for (const c of listed.campaigns) await answer(`${gw.url}/api/campaigns/${c.id}`);
  });

  after(async () => {
    await gw?.close();
    await watcher?.stop();
    await Promise.all(services.map((s) => s.stop('test')));
    for (const c of clients) c.close();
    await bus?.close();
    await Promise.all([github?.stop(), reg?.close(), nats?.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finds a secret planted in a line, raw or as Basic auth', () => {
    assert.deepEqual(leaks(`{"authorization":"Basic ${b64(`${USER}:${PASSWORD}`)}"}`), [
      'registry Basic auth',
    ]);
    assert.deepEqual(leaks(`token=${githubToken}&x`), ['GitHub token']);
  });

  it('keeps every secret out of the debug logs', () => {
    assert.ok(logs.length > 50, `${logs.length} log lines captured`);
    assert.ok(
      logs.some((l) => /registry/.test(l) && /401|unauthori/i.test(l)),
      'the refused login was logged',
    );
    const found = logs.flatMap((l) => leaks(l).map((k) => `${k}: ${l.slice(0, 300)}`));
    assert.deepEqual(found, []);
  });

  it('keeps every secret out of every stream: events, dead letters, KV state', async () => {
    const jsm = await jetstreamManager(bus.connection);
    const found: string[] = [];
    let messages = 0;
    const names: string[] = [];
    for await (const s of jsm.streams.list()) {
      names.push(s.config.name);
      for (let seq = s.state.first_seq; seq <= s.state.last_seq && s.state.messages > 0; seq++) {
        const m = await jsm.streams.getMessage(s.config.name, { seq }).catch(() => null);
        if (!m) continue;
        messages++;
        const text = `${m.subject} ${JSON.stringify(m.header ? [...m.header] : [])} ${Buffer.from(m.data).toString('utf8')}`;
        found.push(...leaks(text).map((k) => `${k} in ${s.config.name} #${seq}`));
      }
    }
    assert.ok(
      names.some((n) => /DLQ/.test(n)),
      `dead letters read: ${names.join(', ')}`,
    );
    assert.ok(messages > 10, `${messages} messages read`);
    assert.deepEqual(found, []);
  });

  it('keeps every secret out of what restack sent to GitHub: PR bodies, comments, commits, checks', () => {
    const sent = github.requests().filter((r) => r.method !== 'GET');
    assert.ok(
      sent.some((r) => r.operationId === 'pulls/create'),
      'a PR was opened',
    );
    const found = sent.flatMap((r) =>
      leaks(`${r.path} ${r.query} ${JSON.stringify(r.body)}`).map(
        (k) => `${k} in ${r.method} ${r.path}`,
      ),
    );
    assert.deepEqual(found, []);
  });

  it('keeps every secret out of API answers, webhook answers and the CLI report', () => {
    assert.ok(
      outputs.some((o) => /"status": ?"failed"/.test(o)),
      'the failed lookup was reported',
    );
    const found = outputs.flatMap((o) => leaks(o).map((k) => `${k}: ${o.slice(0, 300)}`));
    assert.deepEqual(found, []);
  });

  it('answers 401 on every state-changing route without credentials', async () => {
    const routes = gw.routes().filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method));
    const urls = routes.flatMap((r) => {
      const p = r.path.replace(/\{[^}]+\}/g, 'x');
      // A prefix mount serves every webhook kind.
      return p.endsWith('/*')
        ? webhookKinds.map((k) => ({ method: r.method, path: p.replace(/\*$/, k) }))
        : [{ method: r.method, path: p }];
    });
    assert.ok(urls.some((u) => u.path === '/api/campaigns'));
    assert.ok(urls.some((u) => u.path === '/webhooks/github-push'));
    const answers: string[] = [];
    for (const u of urls) {
      const res = await fetch(`${gw.url}${u.path}`, {
        method: u.method,
        body: '{"ref":"debian:bookworm"}',
        headers: { 'content-type': 'application/json' },
      });
      await res.arrayBuffer();
      answers.push(`${u.method} ${u.path} ${res.status}`);
    }
    // Webhook kinds restack was not configured for answer 404: they accept nothing.
    const unconfigured = webhookKinds.filter((k) => !CONFIGURED_KINDS.includes(k));
    const refused = answers.filter(
      (a) => !/ 401$/.test(a) && !unconfigured.some((k) => a.endsWith(`/webhooks/${k} 404`)),
    );
    assert.deepEqual(refused, [], answers.join('\n'));
    assert.ok(answers.filter((a) => / 401$/.test(a)).length >= 4, answers.join('\n'));
  });
});
