import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { encodeKvKey, type ConsumerSpec } from '@restack/bus';
import { campaignRecordSchema, type CampaignRecord } from '@restack/campaign';
import { loadConfig } from '@restack/config';
import { createLogger } from '@restack/core';
import { createEvent, type RestackEvent } from '@restack/events';
import {
  DISPATCHER_CAMPAIGN_BUCKET,
  GRAPH_ENDPOINT,
  OPENAPI_FILE,
  startGateway,
  type Gateway,
} from '@restack/svc-gateway';
import { parse } from 'yaml';
import { validate, type Schema } from '../github-server/schema-validator.js';
import { repoRoot, runCli } from '../harness/cli.js';
import { busFixture, defer, waitFor } from '../harness/nats.js';

const TIMEOUT = { timeout: 120_000 };
const TOKEN = 'gw-test-token-4f1c9a';
const EXAMPLE = path.join(repoRoot, 'examples', 'acme', 'restack.yaml');
const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** OpenAPI 3.1 -> the 3.0 dialect the shared validator reads (`type: [x, null]`, `const`). */
function to30(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(to30);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = to30(v);
  if (Array.isArray(out.type)) {
    const types = out.type as string[];
    out.type = types.find((x) => x !== 'null');
    if (types.includes('null')) out.nullable = true;
  }
  if ('const' in out) out.enum = [out.const];
  return out;
}

const openapi = to30(parse(readFileSync(OPENAPI_FILE, 'utf8'))) as {
  paths: Record<string, Record<string, { responses: Record<string, Schema> }>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, Schema> };
};
function resolve(ref: string): Schema {
  const [, , kind, name] = ref.split('/');
  return (openapi.components as unknown as Record<string, Record<string, Schema>>)[kind!]![name!]!;
}

/** Fetches a gateway route and checks the answer against the OpenAPI description. */
async function call(
  gw: Gateway,
  method: string,
  url: string,
  template: string,
  init: RequestInit = {},
) {
  const res = await fetch(`${gw.url}${url}`, { method, ...init });
  const body: unknown = await res.json();
  const op = openapi.paths[template]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${template} is in openapi.yaml`);
  let response = op.responses[String(res.status)];
  assert.ok(response, `${method} ${template} documents status ${res.status}`);
  if (typeof response.$ref === 'string') response = resolve(response.$ref);
  const schema = (response.content as Record<string, { schema: Schema }>)['application/json']!
    .schema;
  const problems = validate(schema, body, { resolve, direction: 'response' });
  assert.deepEqual(problems, [], `${method} ${url} ${res.status} matches openapi.yaml`);
  return { status: res.status, body: body as Record<string, unknown>, headers: res.headers };
}

const sink = {
  durable: 'test-sink',
  subjects: ['restack.digest.changed'],
} satisfies ConsumerSpec<'restack.digest.changed'>;
const failing = {
  durable: 'test-failing',
  subjects: ['restack.build.failed'],
  maxAttempts: 1,
} satisfies ConsumerSpec<'restack.build.failed'>;

async function setup(t: TestContext) {
  const { bus } = await busFixture(t, [
    { consumers: [sink, failing], buckets: [{ name: DISPATCHER_CAMPAIGN_BUCKET, history: 5 }] },
  ]);
  let logs = '';
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({ write: (c: Buffer, _e, done) => ((logs += c.toString()), done()) }),
  });
  const gw = await startGateway({
    bus,
    config: await loadConfig(EXAMPLE),
    logger,
    port: 0,
    token: TOKEN,
  });
  defer(t, () => gw.close());
  return { bus, gw, logs: () => logs };
}

function plannedCampaign(): RestackEvent {
  const target = (id: string, dockerfile: string) => ({
    id: dockerfile,
    image: `registry.example.com/platform/${id}`,
    repository: 'acme/base-images',
    dockerfile,
    strategy: 'pr' as const,
  });
  return createEvent('restack.campaign.planned', {
    campaignId: 'camp-1',
    trigger: {
      ref: 'docker.io/library/debian:bookworm',
      previousDigest: null,
      digest: digest('d'),
    },
    waves: [['repos/base-images/debian/Dockerfile'], ['repos/base-images/python/3.12/Dockerfile']],
    targets: [
      target('debian', 'repos/base-images/debian/Dockerfile'),
      target('python', 'repos/base-images/python/3.12/Dockerfile'),
    ],
  });
}

describe('gateway API over real NATS', () => {
  it('serves exactly the routes openapi.yaml describes', TIMEOUT, async (t) => {
    const { gw } = await setup(t);
    const served = gw
      .routes()
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    const documented = Object.entries(openapi.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    assert.deepEqual(served, documented);
  });

  it(
    'answers graph and plan with the JSON of `restack graph` and `restack plan`, computed from the config when no graph service answers',
    TIMEOUT,
    async (t) => {
      const { gw } = await setup(t);
      const cliGraph = await runCli(['graph', '--config', EXAMPLE]);
      const graph = await call(gw, 'GET', '/api/graph', '/api/graph');
      assert.deepEqual(graph.body, JSON.parse(cliGraph.stdout));
      const cliPlan = await runCli(['plan', '--config', EXAMPLE, '--changed', 'debian:bookworm']);
      const plan = await call(gw, 'GET', '/api/plan?changed=debian:bookworm', '/api/plan');
      assert.deepEqual(plan.body, JSON.parse(cliPlan.stdout));
      const bad = await call(gw, 'GET', '/api/plan?changed=Not%20An%20Image', '/api/plan');
      assert.equal(bad.status, 400);
      assert.match(
        (bad.body.error as { message: string }).message,
        /"Not An Image" is not a valid image reference/,
      );
      assert.equal((await call(gw, 'GET', '/api/plan', '/api/plan')).status, 400);
    },
  );

  it('asks the graph service when it answers', TIMEOUT, async (t) => {
    const { bus, gw } = await setup(t);
    const served = {
      nodes: [],
      edges: [],
      external: [{ ref: 'docker.io/library/alpine:3', dependents: [] }],
      errors: [],
    };
    const responder = bus.serve(GRAPH_ENDPOINT, () => served);
    defer(t, () => responder.stop());
    assert.deepEqual((await call(gw, 'GET', '/api/graph', '/api/graph')).body, served);
  });

  it(
    'needs the bearer token to trigger, publishes digest.changed and never logs the token',
    TIMEOUT,
    async (t) => {
      const { bus, gw, logs } = await setup(t);
      const body = JSON.stringify({ ref: 'debian:bookworm', digest: digest('e') });
      const headers = (token?: string) => ({
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      });
      const none = await call(gw, 'POST', '/api/campaigns', '/api/campaigns', {
        body,
        headers: headers(),
      });
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
      const wrong = await call(gw, 'POST', '/api/campaigns', '/api/campaigns', {
        body,
        headers: headers('wrong-token-value'),
      });
      assert.equal(wrong.status, 403);
      const invalid = await call(gw, 'POST', '/api/campaigns', '/api/campaigns', {
        body: '{"ref":"UPPER:case"}',
        headers: headers(TOKEN),
      });
      assert.equal(invalid.status, 400);
      const noDigest = await call(gw, 'POST', '/api/campaigns', '/api/campaigns', {
        body: '{"ref":"debian:bookworm"}',
        headers: headers(TOKEN),
      });
      assert.equal(noDigest.status, 400, 'without a registry resolver the digest is required');

      const received: RestackEvent[] = [];
      const consumption = await bus.consume(sink, (e) => void received.push(e));
      defer(t, () => consumption.stop());
      const ok = await call(gw, 'POST', '/api/campaigns', '/api/campaigns', {
        body,
        headers: headers(TOKEN),
      });
      assert.equal(ok.status, 202);
      const event = await waitFor('the trigger event', () => received[0]);
      assert.equal(event.type, 'restack.digest.changed');
      assert.equal(event.id, ok.body.eventId);
      assert.deepEqual(
        event.type === 'restack.digest.changed' && {
          ref: event.data.ref,
          digest: event.data.digest,
          by: event.data.detectedBy,
        },
        { ref: 'docker.io/library/debian:bookworm', digest: digest('e'), by: 'webhook' },
      );
      assert.match(logs(), /manual trigger published/);
      assert.doesNotMatch(logs(), new RegExp(`${TOKEN}|wrong-token-value`));
    },
  );

  it('shows campaigns, images and dead letters from what is on the bus', TIMEOUT, async (t) => {
    const { bus, gw } = await setup(t);
    assert.deepEqual((await call(gw, 'GET', '/api/campaigns', '/api/campaigns')).body, {
      campaigns: [],
    });
    assert.equal((await call(gw, 'GET', '/api/campaigns/nope', '/api/campaigns/{id}')).status, 404);
    await bus.publish(plannedCampaign());
    await bus.publish(
      createEvent('restack.pr.opened', {
        campaignId: 'camp-1',
        targetId: 'repos/base-images/debian/Dockerfile',
        repository: 'acme/base-images',
        number: 12,
        url: 'https://github.example/acme/base-images/pull/12',
        branch: 'restack/debian',
      }),
    );
    await bus.publish(
      createEvent('restack.image.rebuilt', {
        image: 'registry.example.com/platform/debian',
        tags: ['bookworm'],
        digest: digest('f'),
        baseRef: 'debian:bookworm',
        baseDigest: digest('d'),
        dockerfile: 'repos/base-images/debian/Dockerfile',
        campaignId: 'camp-1',
      }),
    );
    const campaign = await waitFor('the campaign to show wave 1 done', async () => {
      const r = await call(gw, 'GET', '/api/campaigns/camp-1', '/api/campaigns/{id}');
      return r.status === 200 && r.body.currentWave === 1 && r.body;
    });
    assert.deepEqual(
      (campaign.targets as { state: string; pr: unknown }[]).map((x) => [x.state, x.pr]),
      [
        [
          'rebuilt',
          { number: 12, url: 'https://github.example/acme/base-images/pull/12', state: 'open' },
        ],
        ['pending', null],
      ],
    );
    const list = await call(gw, 'GET', '/api/campaigns', '/api/campaigns');
    assert.deepEqual(
      (list.body.campaigns as { id: string }[]).map((c) => c.id),
      ['camp-1'],
    );

    const images = await call(gw, 'GET', '/api/images', '/api/images');
    const debian = (images.body.images as Record<string, unknown>[]).find(
      (i) => i.name === 'registry.example.com/platform/debian',
    )!;
    assert.equal(debian.digest, digest('f'));
    assert.deepEqual(debian.bases, ['docker.io/library/debian:bookworm']);
    assert.equal((debian.lastRebuild as { campaignId: string }).campaignId, 'camp-1');
    const api = (images.body.images as Record<string, unknown>[]).find(
      (i) => i.name === 'registry.example.com/services/api',
    )!;
    assert.deepEqual(
      [api.digest, api.lastRebuild, api.ageDays],
      [null, null, null],
      'unknown is null',
    );
    await call(gw, 'GET', '/api/reports/deprecated', '/api/reports/deprecated');

    const consumption = await bus.consume(failing, () => {
      throw new Error('handler exploded');
    });
    defer(t, () => consumption.stop());
    await bus.publish(
      createEvent('restack.build.failed', {
        campaignId: 'camp-1',
        targetId: 'x',
        image: 'registry.example.com/x',
        failure: { message: 'no', retryable: false },
      }),
    );
    const letters = await waitFor('a dead letter', async () => {
      const r = await call(gw, 'GET', '/api/deadletters', '/api/deadletters');
      return (
        (r.body.deadLetters as unknown[]).length > 0 &&
        (r.body.deadLetters as Record<string, unknown>[])
      );
    });
    assert.deepEqual(
      [letters[0]!.consumer, letters[0]!.reason, letters[0]!.error],
      ['test-failing', 'failed', 'handler exploded'],
    );
    assert.equal(
      (await call(gw, 'GET', '/api/deadletters?limit=0', '/api/deadletters')).status,
      400,
    );
  });

  it('serves mounted webhooks on the same port, probes and metrics', TIMEOUT, async (t) => {
    const { gw, bus } = await setup(t);
    gw.mount({
      method: 'POST',
      path: '/hooks/registry',
      name: 'registry webhook',
      handle: (_req, res, body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ bytes: body.length }));
      },
    });
    assert.throws(
      () => gw.mount({ method: 'POST', path: '/api/graph', name: 'x', handle: () => undefined }),
      /serves that path/,
    );
    const hook = await fetch(`${gw.url}/hooks/registry`, { method: 'POST', body: 'abcdef' });
    assert.deepEqual(await hook.json(), { bytes: 6 });
    assert.equal((await fetch(`${gw.url}/hooks/registry`)).status, 405);
    assert.equal((await fetch(`${gw.url}/livez`)).status, 200);
    assert.equal((await fetch(`${gw.url}/readyz`)).status, 200);
    await bus.publish(plannedCampaign());
    await waitFor(
      'the campaign',
      async () => (await fetch(`${gw.url}/api/campaigns/camp-1`)).status === 200,
    );
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    for (const line of [
      'restack_http_requests_total{method="POST",route="/hooks/registry",status="200"} 1',
      'restack_http_requests_total{method="GET",route="/hooks/registry",status="405"} 1',
      'restack_events_in_total{type="restack.campaign.planned",consumer="gateway"} 1',
    ]) {
      assert.ok(metrics.split('\n').includes(line), line);
    }
    assert.match(
      metrics,
      /restack_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/livez"\}/,
    );
  });

  it('shows the dispatcher campaign records from its KV bucket', TIMEOUT, async (t) => {
    const { bus, gw } = await setup(t);
    const at = '2026-01-02T03:04:05.000Z';
    const target = (
      id: string,
      wave: number,
      extra: Partial<CampaignRecord['targets'][string]>,
    ) => ({
      id,
      repository: 'acme/images',
      dockerfile: id,
      wave,
      parents: [],
      action: 'pr' as const,
      pin: false,
      state: 'pending' as const,
      attempt: 0,
      outbox: false,
      effect: {},
      history: [{ state: 'pending' as const, at }],
      ...extra,
    });
    const record: CampaignRecord = {
      campaignId: 'kv-campaign',
      trigger: {
        ref: 'docker.io/library/debian:bookworm',
        previousDigest: null,
        digest: digest('a'),
      },
      reason: 'digest-changed',
      dryRun: false,
      state: 'active',
      createdAt: at,
      updatedAt: at,
      waves: [['a/Dockerfile'], ['b/Dockerfile']],
      targets: {
        'a/Dockerfile': target('a/Dockerfile', 0, {
          state: 'requested',
          effect: { prNumber: 3, prUrl: 'https://github.example/acme/images/pull/3' },
        }),
        'b/Dockerfile': target('b/Dockerfile', 1, {}),
      },
    };
    const kv = await bus.kv(DISPATCHER_CAMPAIGN_BUCKET, campaignRecordSchema);
    await kv.put(encodeKvKey(record.campaignId), record);
    const view = await call(gw, 'GET', '/api/campaigns/kv-campaign', '/api/campaigns/{id}');
    assert.equal(view.body.state, 'running');
    assert.deepEqual(
      (view.body.targets as { state: string }[]).map((x) => x.state),
      ['pr-open', 'pending'],
    );
    const list = await call(gw, 'GET', '/api/campaigns', '/api/campaigns');
    assert.deepEqual(
      (list.body.campaigns as { id: string }[]).map((c) => c.id),
      ['kv-campaign'],
    );
  });
});
