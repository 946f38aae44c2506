import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '@restack/config';
import { DASHBOARD_MARKER, DASHBOARD_TITLE } from '@restack/lifecycle';
import { createRegistryClient } from '@restack/registry';
import {
  configuredDashboards,
  loadedInputs,
  startLifecycle,
  sweepEndpoint,
} from '@restack/svc-lifecycle';
import { startGitHubServer } from '../github-server/index.js';
import { tokenAdapter } from '../github-server/clients.js';
import { pushImage } from '../harness/images.js';
import { busFixture, defer, testLogger } from '../harness/nats.js';
import { startRegistry } from '../harness/registry.js';

// The base image dashboard: after each sweep, one issue per GitHub repository,
// created once, edited in place when its content changes, left alone when not.

const TOKEN_ENV = 'RESTACK_TEST_DASHBOARD_TOKEN';

describe('lifecycle dashboards as GitHub issues', () => {
  it(
    'creates one issue per repository, then updates it in place, and skips unchanged bodies',
    { timeout: 180_000 },
    async (t) => {
      const registry = await startRegistry();
      defer(t, () => registry.close());
      const server = await startGitHubServer();
      defer(t, () => server.stop()); // throws on any OpenAPI violation
      const { url, host } = registry;
      const layer = { files: { 'etc/os-release': 'ID=one\n' } };
      await pushImage(url, 'platform/base', '1', {
        layers: [layer],
        config: { created: '2025-03-01T00:00:00Z', user: '10001' },
      });
      await pushImage(url, 'platform/app', '1', {
        layers: [layer, { files: { 'app/a': 'a' } }],
        config: { created: '2025-03-10T00:00:00Z', user: '10001' },
      });
      await server.control.createRepo({
        owner: 'acme',
        name: 'base',
        files: { Dockerfile: 'FROM python:3.8\nUSER 10001\n' },
      });
      await server.control.createRepo({
        owner: 'acme',
        name: 'app',
        files: { Dockerfile: `FROM ${host}/platform/base:1\nUSER 10001\n` },
      });
      const { token, github } = tokenAdapter(server, 'restack-bot');
      process.env[TOKEN_ENV] = token;
      defer(t, () => delete process.env[TOKEN_ENV]);

      const dir = await mkdtemp(path.join(tmpdir(), 'restack-dashboard-'));
      defer(t, () => rm(dir, { recursive: true, force: true }));
      await writeFile(
        path.join(dir, 'restack.yaml'),
        [
          'sources:',
          '  - github: { org: acme, name: gh }',
          'images:',
          `  - { name: ${host}/platform/base, tags: ['1'], dockerfile: gh/base/Dockerfile }`,
          `  - { name: ${host}/platform/app, tags: ['1'], dockerfile: gh/app/Dockerfile }`,
          `registries: { '${host}': { insecure: true } }`,
          'github:',
          `  baseUrl: ${server.url}`,
          `  auth: { type: token, tokenEnv: ${TOKEN_ENV} }`,
          '  rateLimit: { writeIntervalMs: 0, notificationIntervalMs: 0 }',
        ].join('\n'),
      );
      const loaded = await loadConfig(path.join(dir, 'restack.yaml'));

      // Off unless lifecycle.dashboardIssues.enabled, and never without GitHub.
      assert.equal(configuredDashboards(github, loaded.config.lifecycle), undefined);
      assert.equal(
        configuredDashboards(undefined, { dashboardIssues: { enabled: true } }),
        undefined,
      );
      const dashboards = configuredDashboards(github, {
        dashboardIssues: { enabled: true, labels: ['restack'] },
      });
      assert.ok(dashboards);

      const { nats, bus } = await busFixture(t);
      const client = createRegistryClient({ registries: { [host]: { insecure: true } } });
      defer(t, () => client.close());
      const now = new Date('2025-03-21T00:00:00Z');
      const runtime = await startLifecycle({
        inputs: loadedInputs(loaded),
        registry: client,
        dashboards,
        runSchedule: false,
        clock: () => now,
        nats: { servers: nats.url },
        logger: testLogger(),
        handleSignals: false,
        pullExpiresMs: 1_000,
      });
      defer(t, () => runtime.stop());
      await runtime.ready;

      const issues = (repo: string) => server.control.issues({ owner: 'acme', repo });
      const writes = (op: string) =>
        server.requests().filter((r) => r.operationId === op && r.status < 300).length;

      // First sweep: one dashboard issue in each repository.
      const first = await bus.request(sweepEndpoint, {}, 60_000);
      assert.equal(first.images, 2);
      const [base] = issues('base');
      const [app] = issues('app');
      assert.equal(issues('base').length, 1);
      assert.equal(issues('app').length, 1);
      assert.equal(base!.title, DASHBOARD_TITLE);
      assert.deepEqual(base!.labels, ['restack']);
      assert.ok(base!.body?.startsWith(DASHBOARD_MARKER));
      assert.match(
        base!.body ?? '',
        /\| eol \| gh\/base\/Dockerfile:1 \| docker\.io\/library\/python:3\.8 \|/,
      );
      assert.match(app!.body ?? '', new RegExp(`${host}/platform/app:1 \\| 11 \\| created`));
      assert.equal(writes('issues/create'), 2);

      // The second sweep knows base drift (the first recorded the base's sighting): the
      // app's dashboard changes and is edited in place, not duplicated.
      await bus.request(sweepEndpoint, {}, 60_000);
      assert.equal(writes('issues/create'), 2);
      assert.equal(writes('issues/update'), 1);
      assert.equal(issues('app').length, 1);
      assert.equal(issues('app')[0]!.number, app!.number);
      assert.match(issues('app')[0]!.body ?? '', /platform\/app:1 \| 11 \| created \| 0 \|/);
      const appBody = issues('app')[0]!.body;

      // Same inputs, same day: every body is unchanged, so nothing is written.
      await bus.request(sweepEndpoint, {}, 60_000);
      assert.equal(writes('issues/create'), 2);
      assert.equal(writes('issues/update'), 1);

      // The base moves off Python 3.8: its dashboard is edited in place; the app's is not touched.
      await server.control.pushCommit({
        owner: 'acme',
        repo: 'base',
        branch: 'main',
        files: { Dockerfile: 'FROM python:3.12\nUSER 10001\n' },
      });
      await bus.request(sweepEndpoint, {}, 60_000);
      assert.equal(writes('issues/create'), 2, 'no second issue');
      assert.equal(writes('issues/update'), 2);
      assert.equal(issues('base').length, 1);
      const [edited] = issues('base');
      assert.equal(edited!.number, base!.number);
      assert.doesNotMatch(edited!.body ?? '', /python:3\.8/);
      assert.match(edited!.body ?? '', /## Bases past or near end of life\n\nNone\./);
      assert.equal(issues('app')[0]!.body, appBody);
    },
  );
});
