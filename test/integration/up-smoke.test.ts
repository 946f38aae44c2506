import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { once } from 'node:events';
import { appendFile, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot, runCli } from '../harness/cli.js';
import { waitFor } from '../harness/nats.js';

// `restack up` as a user runs it: the built binary, its own embedded
// nats-server, every service in one process, everything on one port.

const TOKEN = 'up-smoke-token-8d21';
const GENERIC_SECRET = 'up-smoke-generic-secret';
const PUSH_SECRET = 'up-smoke-push-secret';
const REF = 'docker.io/library/debian:bookworm';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

function hmac(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('restack up: one process, one port', () => {
  let dir: string;
  let config: string;
  let state: string;
  let child: ChildProcess;
  let output = '';
  let url: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'restack-up-smoke-'));
    const acme = path.join(dir, 'acme');
    await cp(path.join(repoRoot, 'examples', 'acme'), acme, { recursive: true });
    config = path.join(acme, 'restack.yaml');
    await appendFile(
      config,
      '\nwatch:\n  webhooks:\n    generic: { secretEnv: RESTACK_UP_SMOKE_GENERIC }\n',
    );
    state = path.join(dir, 'state');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      RESTACK_API_TOKEN: TOKEN,
      RESTACK_UP_SMOKE_GENERIC: GENERIC_SECRET,
      RESTACK_GITHUB_WEBHOOK_SECRET: PUSH_SECRET,
    };
    delete env.RESTACK_NATS__SERVERS;
    child = spawn(
      process.execPath,
      [
        path.join(repoRoot, 'cli', 'bin', 'restack.js'),
        'up',
        '--config',
        config,
        '--port',
        '0',
        '--state',
        state,
      ],
      { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    url = await waitFor(
      'the dashboard URL',
      () => {
        if (child.exitCode !== null) throw new Error(`restack up exited: ${output}`);
        return /restack is up: dashboard (http:\/\/\S+?)\/ /.exec(output)?.[1];
      },
      120_000,
    );
  });

  after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('is ready and serves the graph `restack graph` prints', async () => {
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 200);
    const cli = await runCli(['graph', '--config', config]);
    assert.equal(cli.code, 0, cli.stderr);
    const api = await fetch(`${url}/api/graph`);
    assert.equal(api.status, 200);
    assert.deepEqual(await api.json(), JSON.parse(cli.stdout));
  });

  it('plans and dispatches a manual trigger through the graph service and dispatcher', async () => {
    const refused = await fetch(`${url}/api/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ref: 'debian:bookworm', digest: DIGEST }),
    });
    assert.equal(refused.status, 401);
    const accepted = await fetch(`${url}/api/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ ref: 'debian:bookworm', digest: DIGEST }),
    });
    assert.equal(accepted.status, 202);

    // The graph service's campaign id for this trigger, over the same waves as `restack plan`.
    const id = `c-${createHash('sha256').update(`${REF}\n${DIGEST}`).digest('hex').slice(0, 24)}`;
    const plan = await runCli(['plan', '--config', config, '--changed', REF]);
    const waves = (JSON.parse(plan.stdout) as { waves: string[][] }).waves;
    assert.ok(waves.length > 0);
    const listed = await waitFor('the campaign in /api/campaigns', async () => {
      const { campaigns } = (await (await fetch(`${url}/api/campaigns`)).json()) as {
        campaigns: Array<{ id: string; trigger: { ref: string; digest: string }; waves: number }>;
      };
      return campaigns.find((c) => c.trigger.ref === REF && c.trigger.digest === DIGEST);
    });
    assert.equal(listed.id, id);
    assert.equal(listed.waves, waves.length);
    // Only the dispatcher requests a target: the first wave leaves `pending`.
    const first = await waitFor('the first wave requested', async () => {
      const c = (await (await fetch(`${url}/api/campaigns/${id}`)).json()) as {
        targets: Array<{ dockerfile: string; wave: number; state: string }>;
      };
      const t = c.targets.find((x) => x.wave === 0);
      return t && t.state !== 'pending' ? t : undefined;
    });
    // Targets name the Dockerfile inside its repository (the `repos` folder here).
    assert.deepEqual([`repos/${first.dockerfile}`], waves[0]);
  });

  it("serves every service's metrics, the dispatcher's campaign histograms included", async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    for (const name of [
      'restack_campaign_duration_seconds',
      'restack_rebuild_lag_seconds',
      'restack_events_in_total',
      'restack_http_requests_total',
    ]) {
      assert.match(metrics, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
  });

  it('takes registry webhooks on the same port, signed by the watcher secret', async () => {
    const body = JSON.stringify({ ref: 'registry.example.com/unwatched/thing:1' });
    const unsigned = await fetch(`${url}/webhooks/generic`, { method: 'POST', body });
    assert.equal(unsigned.status, 401);
    const signed = await fetch(`${url}/webhooks/generic`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-restack-signature': hmac(GENERIC_SECRET, body),
      },
      body,
    });
    assert.equal(signed.status, 202);
    assert.deepEqual(await signed.json(), {
      accepted: true,
      kind: 'generic',
      checked: [],
      changed: [],
      ignored: null,
    });
    const unknown = await fetch(`${url}/webhooks/harbor`, { method: 'POST', body: '{}' });
    assert.equal(unknown.status, 404);
    assert.doesNotMatch(output, /webhooks listening/, 'the watcher opened no port of its own');
  });

  it('forwards GitHub push webhooks to the graph service, which verifies them', async () => {
    const push = JSON.stringify({
      ref: 'refs/heads/main',
      before: '1'.repeat(40),
      after: '2'.repeat(40),
      repository: { full_name: 'acme/elsewhere' },
      commits: [],
    });
    const forged = await fetch(`${url}/webhooks/github-push`, {
      method: 'POST',
      headers: { 'x-github-event': 'push', 'x-hub-signature-256': hmac('wrong', push) },
      body: push,
    });
    assert.equal(forged.status, 401);
    const genuine = await fetch(`${url}/webhooks/github-push`, {
      method: 'POST',
      headers: { 'x-github-event': 'push', 'x-hub-signature-256': hmac(PUSH_SECRET, push) },
      body: push,
    });
    assert.equal(genuine.status, 202);
    assert.equal(((await genuine.json()) as { accepted: boolean }).accepted, true);
  });

  it('stops on SIGINT with exit 0 and stops its nats-server', async () => {
    const pid = Number(await readFile(path.join(state, 'nats-server.pid'), 'utf8'));
    assert.ok(pid > 0 && alive(pid));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    child.kill('SIGINT');
    const [code, signal] = await exited;
    assert.equal(signal, null);
    assert.equal(code, 0, output.slice(-2000));
    assert.equal(alive(pid), false);
  });
});
