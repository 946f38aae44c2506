import assert from 'node:assert/strict';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { Bus, ConsumerSpec } from '@restack/bus';
import { loadConfig } from '@restack/config';
import { createEvent, type EventOf } from '@restack/events';
import { loadGraph, planChange, type Graph } from '@restack/graph';
import { parseReference } from '@restack/reference';
import { startGateway } from '@restack/svc-gateway';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from '../harness/cli.js';
import { busFixture, defer, testLogger } from '../harness/nats.js';

const CHROMIUM = process.env.RESTACK_CHROMIUM ?? '/usr/bin/chromium';
const EXAMPLE = path.join(repoRoot, 'examples', 'acme', 'restack.yaml');
const TOKEN = 'dashboard-test-token';
const TIMEOUT = { timeout: 180_000 };
const WAIT = { timeout: 30_000 };
const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** Debian's chromium, or a failure that says how to get it: never a silent skip. */
function chromiumBinary(): string {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return CHROMIUM;
  } catch {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: run \`npm test\` (its setup installs it) or \`apt-get install chromium\`, or set RESTACK_CHROMIUM`,
    );
  }
}

async function openBrowser(t: TestContext): Promise<BrowserContext> {
  const executablePath = chromiumBinary();
  const profile = await mkdtemp(path.join(tmpdir(), 'restack-chromium-'));
  // A persistent context is how Playwright takes a fresh --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 1000 },
  });
  defer(t, () => rm(profile, { recursive: true, force: true }));
  defer(t, () => context.close());
  return context;
}

const graphService = {
  durable: 'test-graph-service',
  subjects: ['restack.digest.changed'],
} satisfies ConsumerSpec<'restack.digest.changed'>;

/**
 * A minimal stand-in for the graph service: plans a campaign for each
 * digest.changed it receives, from the same graph the gateway shows.
 */
async function planCampaigns(
  bus: Bus,
  graph: Graph,
  planned: EventOf<'restack.campaign.planned'>[],
) {
  return bus.consume(graphService, async (e) => {
    const parsed = parseReference(e.data.ref);
    assert.ok(parsed.ok);
    const plan = planChange(graph, [parsed.ref]);
    const targets = plan.waves.flat().map((dockerfile) => ({
      id: dockerfile,
      image: graph.nodes.find((n) => n.dockerfile === dockerfile)?.images[0]?.name,
      repository: 'acme/images',
      dockerfile,
      strategy: 'build' as const,
      parents: graph.edges.filter((x) => x.to === dockerfile).map((x) => x.from),
    }));
    const event = createEvent('restack.campaign.planned', {
      campaignId: `manual-${e.id.slice(0, 8)}`,
      trigger: { ref: e.data.ref, previousDigest: e.data.previousDigest, digest: e.data.digest },
      waves: plan.waves,
      targets: targets.map((x) => ({
        ...x,
        parents: x.parents.filter((p) => plan.waves.flat().includes(p)),
      })),
    });
    await bus.publish(event);
    planned.push(event);
  });
}

async function rebuildWave(
  bus: Bus,
  campaign: EventOf<'restack.campaign.planned'>,
  wave: number,
): Promise<void> {
  for (const id of campaign.data.waves[wave]!) {
    const target = campaign.data.targets.find((x) => x.id === id)!;
    await bus.publish(
      createEvent('restack.image.rebuilt', {
        image: target.image ?? 'registry.example.com/unknown',
        tags: ['latest'],
        digest: digest(String(wave + 1)),
        baseRef: campaign.data.trigger.ref,
        baseDigest: campaign.data.trigger.digest,
        dockerfile: target.dockerfile,
        campaignId: campaign.data.campaignId,
      }),
    );
  }
}

async function count(page: Page, selector: string): Promise<number> {
  return page.locator(selector).count();
}

/** Waits until `selector` matches exactly `n` elements (the page polls the API). */
async function waitCount(page: Page, selector: string, n: number): Promise<void> {
  await page.waitForFunction(
    `document.querySelectorAll(${JSON.stringify(selector)}).length === ${n}`,
    undefined,
    WAIT,
  );
}

async function waitText(page: Page, selector: string, text: RegExp): Promise<void> {
  await page.locator(selector, { hasText: text }).waitFor(WAIT);
}

describe('dashboard in headless Chromium', () => {
  it(
    'draws the example graph, highlights a change and follows a manual rebuild',
    TIMEOUT,
    async (t) => {
      const { bus } = await busFixture(t, [{ consumers: [graphService] }]);
      const config = await loadConfig(EXAMPLE);
      const graph = await loadGraph(config);
      const gw = await startGateway({ bus, config, logger: testLogger(), port: 0, token: TOKEN });
      defer(t, () => gw.close());
      const planned: EventOf<'restack.campaign.planned'>[] = [];
      const consumption = await planCampaigns(bus, graph, planned);
      defer(t, () => consumption.stop());

      const context = await openBrowser(t);
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(gw.url);

      // The graph: one box per Dockerfile and per external root, labelled.
      const boxes = graph.nodes.length + graph.external.length;
      await waitCount(page, '#graph-svg .node', boxes);
      const labels = await page.locator('#graph-svg .node text').allTextContents();
      for (const n of graph.nodes)
        assert.ok(labels.includes(n.dockerfile), `label ${n.dockerfile}`);
      assert.ok(labels.includes('platform/python-worker'));
      assert.ok(labels.includes('debian:bookworm'), 'external roots are drawn');

      await page.fill('#graph-search', 'billing');
      assert.equal(await count(page, '#graph-svg .node.match'), 1);
      await page.fill('#graph-search', '');

      // What a Debian move affects, from /api/plan.
      const expected = planChange(graph, [
        (parseReference('debian:bookworm') as { ok: true; ref: never }).ref,
      ]);
      await page.fill('#plan-ref', 'debian:bookworm');
      await page.click('#plan-form button[type=submit]');
      await waitCount(page, '#graph-svg .node-dockerfile.affected', expected.waves.flat().length);
      assert.equal(
        await count(page, '#graph-svg .node-external.affected'),
        1,
        'the moved root is marked',
      );
      assert.match(
        (await page.textContent('#plan-result')) ?? '',
        new RegExp(`in ${expected.waves.length} wave\\(s\\)`),
      );
      await page.fill('#plan-ref', 'NOT VALID');
      await page.click('#plan-form button[type=submit]');
      await waitText(page, '#plan-result', /not a valid image reference/);

      // Image table with age and end-of-life columns.
      const images = graph.nodes.flatMap((n) => n.images).length;
      await waitCount(page, '#images-table tbody tr', images);
      assert.ok((await count(page, '#images-table tbody .badge')) > 0, 'end-of-life states shown');

      // A wrong token is refused and says so.
      await page.fill('#trigger-ref', 'debian:bookworm');
      await page.fill('#trigger-digest', digest('9'));
      await page.fill('#trigger-token', 'not-the-token');
      await page.click('#trigger-form button[type=submit]');
      await waitText(page, '#trigger-result', /Not started: the bearer token is not valid/);
      assert.equal(planned.length, 0);

      // The manual trigger, then the campaign as it progresses wave by wave.
      await page.fill('#trigger-token', TOKEN);
      await page.click('#trigger-form button[type=submit]');
      await waitText(page, '#trigger-result', /^Accepted/);
      await page.waitForSelector('article.campaign', WAIT);
      const campaign = planned[0]!;
      assert.equal(campaign.data.trigger.ref, 'docker.io/library/debian:bookworm');
      const card = `article.campaign[data-campaign="${campaign.data.campaignId}"]`;
      assert.equal(await count(page, `${card} li.wave`), campaign.data.waves.length);
      assert.equal(await count(page, `${card} li.wave.w-done`), 0);

      for (let w = 0; w < campaign.data.waves.length; w++) {
        await rebuildWave(bus, campaign, w);
        await waitCount(page, `${card} li.wave.w-done`, w + 1);
      }
      await page.waitForSelector(`${card}.s-succeeded`, WAIT);
      const total = campaign.data.targets.length;
      assert.match(
        (await page.textContent(`${card} p`)) ?? '',
        new RegExp(`^${total}/${total} done`),
      );
      assert.equal(await count(page, `${card} li.target.s-rebuilt`), total);

      if (process.env.RESTACK_DASHBOARD_SCREENSHOT) {
        await page.fill('#plan-ref', 'debian:bookworm');
        await page.click('#plan-form button[type=submit]');
        await page.locator('#graph-svg .node.affected').first().waitFor(WAIT);
        await page.screenshot({ path: process.env.RESTACK_DASHBOARD_SCREENSHOT, fullPage: true });
      }
      assert.deepEqual(pageErrors, []);
    },
  );
});
