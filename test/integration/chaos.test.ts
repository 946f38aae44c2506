import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { z } from 'zod';
import { DEAD_LETTER_STREAM, EVENTS_STREAM, connectBus, type Bus } from '@restack/bus';
import { campaignRecordSchema, type CampaignRecord } from '@restack/campaign';
import { silentLogger } from '@restack/core';
import { startGitHubServer, type GitHubTestServer } from '../github-server/index.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { defer, startNats, waitFor } from '../harness/nats.js';
import { startPodman, type TestPodman } from '../harness/podman.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { mulberry32, readStream, serviceProcess, startChaos } from '../chaos/index.js';
import { TOKEN_ENV, createScenario, type Scenario } from '../chaos/scenario.js';

// Proof under faults: a three-wave campaign (builds and PRs across several
// repositories) runs while every service process is SIGKILLed at seeded random
// moments and restarted, and nats-server is killed and restarted once.
// Afterwards each target is done once: one push per built image, one PR per
// repository, every request answered, nothing dead-lettered or left pending.
// RESTACK_CHAOS_SEEDS=1,2,3,4 runs other seeds. A seed fixes which process is
// killed when (offsets from the base move), not how far the services got by then.

const SEEDS = (process.env.RESTACK_CHAOS_SEEDS ?? '11,22,33')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n));
const SERVICES = [
  'registry-watcher',
  'graph',
  'dispatcher',
  'pr-bot',
  'builder',
  'scanner',
  'lifecycle',
];
const SEED_TIMEOUT_MS = 300_000;
const log = (line: string) => process.env.RESTACK_TEST_LOG && console.log(line);

const digestState = z.looseObject({ ref: z.string(), digest: z.string().nullable() });

// Seeds run side by side: most of a run is waiting out ack_wait after a kill, not CPU.
describe(
  'chaos: SIGKILLs and a NATS restart during a three-wave campaign',
  { concurrency: true },
  () => {
    let reg: TestRegistry;
    let proxy: FaultProxy;
    let podman: TestPodman;
    let github: GitHubTestServer;
    let token: string;

    before(async () => {
      [reg, github] = await Promise.all([startRegistry(), startGitHubServer()]);
      proxy = await startFaultProxy(reg.url);
      podman = await startPodman({ insecureRegistries: [reg.host, proxy.host] });
      token = github.control.createUserToken({ login: 'restack-bot' });
    });

    after(async () => {
      await podman?.close();
      await proxy?.close();
      await Promise.all([github?.stop(), reg?.close()]);
    });

    for (const seed of SEEDS) {
      it(
        `seed ${seed}: every target done once, nothing lost`,
        { timeout: SEED_TIMEOUT_MS },
        async (t) => {
          const started = Date.now();
          const rng = mulberry32(seed);
          const s = await createScenario(seed, { registryUrl: reg.url, host: proxy.host, github });
          defer(t, () => rm(s.dir, { recursive: true, force: true }));
          const nats = await startNats();
          defer(t, () => nats.close());
          const env = {
            RESTACK_NATS__SERVERS: nats.url,
            [TOKEN_ENV]: token,
            DOCKER_HOST: podman.url,
          };
          const procs = SERVICES.map((name) =>
            serviceProcess({ name, config: s.config, stateDir: `${s.dir}/state`, env }),
          );
          defer(t, () => Promise.all(procs.map((p) => p.stop())));
          let passed = false;
          defer(t, async () => {
            if (passed) return;
            // The services' own logs, kept for whoever looks into this seed.
            const file = path.join(tmpdir(), `restack-chaos-seed-${seed}.log`);
            await writeFile(file, procs.map((p) => `==== ${p.name}\n${p.output()}`).join('\n'));
            console.log(`chaos seed=${seed} failed: service logs in ${file}`);
          });
          await Promise.all(procs.map((p) => p.start()));
          await Promise.all(procs.map((p) => p.ready()));
          const bus = await connectBus({
            name: 'chaos-test',
            connection: { servers: nats.url },
            logger: silentLogger(),
          });
          defer(t, () => bus.close());

          // The watcher must know base:1 before it moves, or the move is its first sight.
          const digests = await bus.kv('restack-digests', digestState);
          await waitFor(
            'the watcher to record base:1',
            async () => {
              for (const key of await digests.keys()) {
                const v = (await digests.get(key))?.value;
                if (v?.ref.endsWith(`/${s.ns}/base:1`) && v.digest) return true;
              }
              return false;
            },
            60_000,
          );

          // Opened now: right after the chaos our own connection may still be reconnecting.
          const campaigns = await bus.kv('restack-campaigns', campaignRecordSchema);
          const v2 = await s.moveBase();
          const at = () => `seed=${seed} +${((Date.now() - started) / 1000).toFixed(1)}s`;
          log(`${at()} base moved`);
          const chaos = startChaos({
            rng,
            services: procs,
            nats,
            onFault: (f) => log(`${at()} ${f}`),
          });
          const merging = mergeLeafPrs(github, s);
          defer(t, () => merging.stop());
          const counts = await chaos.done;
          log(`${at()} chaos over`);

          const all = async (): Promise<CampaignRecord[]> =>
            (await Promise.all((await campaigns.keys()).map((k) => campaigns.get(k)))).flatMap(
              (r) => (r ? [r.value] : []),
            );
          const main = await waitFor(
            'the campaign to finish',
            async () =>
              (await all()).find(
                (c) =>
                  c.trigger.ref.endsWith(`/${s.ns}/base:1`) &&
                  c.trigger.digest === v2 &&
                  c.state === 'finished',
              ),
            180_000,
          );
          log(`${at()} campaign finished`);
          // Chained campaigns (the built images' own moves) finish too, and every consumer drains.
          await waitFor(
            'every campaign settled and every consumer drained',
            async () =>
              (await all()).every((c) => c.state !== 'active') && (await backlog(bus)) === 0,
            120_000,
          );
          await merging.stop();
          log(`${at()} drained`);

          const figures = await measure(bus, s, main);
          const line =
            `chaos seed=${seed} runs=${procs.reduce((n, p) => n + p.runs(), 0)} kills=${counts.kills} ` +
            `crashes=${procs.reduce((n, p) => n + p.crashes(), 0)} ` +
            `natsRestarts=${counts.natsRestarts} duplicates=${figures.duplicates.length} ` +
            `losses=${figures.losses.length} duration=${((Date.now() - started) / 1000).toFixed(1)}s`;
          console.log(line);
          t.diagnostic(line);
          log(`seed=${seed} order: ${counts.order.join(' ')}`);

          assert.equal(counts.natsRestarts, 1);
          assert.deepEqual(
            [...new Set(counts.order.filter((n) => n !== 'nats'))].sort(),
            [...SERVICES].sort(),
            'every service was killed at least once',
          );
          assert.deepEqual(figures.duplicates, [], 'no duplicate PR, branch or push');
          assert.deepEqual(figures.losses, [], 'no lost event, request or target');
          assert.deepEqual(
            Object.values(main.targets)
              .map((x) => [x.id, x.state])
              .sort(),
            Object.keys(main.targets)
              .sort()
              .map((id) => [id, 'done']),
          );
          for (const p of procs) {
            assert.ok(!p.output().includes(token), `${p.name} logged the GitHub token`);
          }
          passed = true;
        },
      );
    }

    /** Plays the people owning the leaf repositories: merges each rebuild PR once it is open. */
    function mergeLeafPrs(server: GitHubTestServer, s: Scenario) {
      let stopped = false;
      const loop = (async () => {
        while (!stopped) {
          for (const repo of s.prRepos) {
            for (const pr of server.control.pullRequests({ owner: 'acme', repo })) {
              if (pr.state !== 'open') continue;
              await server.control.mergePullRequest({ owner: 'acme', repo, number: pr.number });
            }
          }
          await new Promise((r) => setTimeout(r, 300));
        }
      })();
      return {
        stop: async () => {
          stopped = true;
          await loop;
        },
      };
    }

    /** Messages not yet acked by some durable consumer of the event stream. */
    async function backlog(bus: Bus): Promise<number> {
      const jsm = await jetstreamManager(bus.connection);
      let n = 0;
      for (const c of await jsm.consumers.list(EVENTS_STREAM).next()) {
        n += c.num_pending + c.num_ack_pending;
      }
      return n;
    }

    /** Duplicates and losses, each named, so a failing seed says what went wrong. */
    async function measure(bus: Bus, s: Scenario, main: CampaignRecord) {
      const duplicates: string[] = [];
      const losses: string[] = [];
      for (const image of s.built) {
        const pushes = proxy.count({
          method: 'PUT',
          path: new RegExp(`^/v2/${image}/manifests/1$`),
        });
        if (pushes > 1) duplicates.push(`${image}:1 pushed ${pushes} times`);
        if (pushes === 0) losses.push(`${image}:1 never pushed`);
      }
      for (const repo of s.prRepos) {
        const pulls = github.control.pullRequests({ owner: 'acme', repo });
        if (pulls.length > 1) duplicates.push(`acme/${repo} has ${pulls.length} PRs`);
        if (pulls.length === 0) losses.push(`acme/${repo} has no PR`);
        const branches = (await github.control.listBranches({ owner: 'acme', repo })).filter((b) =>
          b.startsWith('restack/'),
        );
        if (branches.length > 1)
          duplicates.push(`acme/${repo} has branches ${branches.join(', ')}`);
      }
      for (const x of Object.values(main.targets)) {
        if (x.state !== 'done') losses.push(`target ${x.id} is ${x.state}: ${x.reason ?? ''}`);
      }
      const events = await readStream(bus.connection, EVENTS_STREAM);
      const answered = (type: string) =>
        new Set(
          events
            .filter((e) => e.event.type === type)
            .map((e) => `${e.event.data.campaignId}/${String(e.event.data.targetId)}`),
        );
      const built = answered('restack.build.completed');
      // pr.failed answers too (a failure is reported, not lost); the PR number is checked below.
      const opened = new Set(
        ['restack.pr.opened', 'restack.pr.updated', 'restack.pr.failed'].flatMap((type) => [
          ...answered(type),
        ]),
      );
      for (const e of events) {
        const key = `${e.event.data.campaignId}/${String(e.event.data.targetId)}`;
        if (e.event.type === 'restack.build.requested' && !built.has(key))
          losses.push(`build.requested ${key} has no build.completed`);
        if (e.event.type === 'restack.pr.requested' && !opened.has(key)) {
          const seen = events.filter(
            (x) => `${x.event.data.campaignId}/${String(x.event.data.targetId)}` === key,
          );
          losses.push(
            `pr.requested ${key} has no answer (seen: ${seen.map((x) => x.event.type).join(', ')}; ` +
              `target: ${main.targets[String(e.event.data.targetId)]?.reason ?? '?'})`,
          );
        }
      }
      const dead = await readStream(bus.connection, DEAD_LETTER_STREAM);
      for (const d of dead) losses.push(`dead-lettered: ${d.subject}`);
      // A PR the campaign does not know (pr-bot killed between opening it and saying so).
      for (const x of Object.values(main.targets)) {
        if (x.action === 'pr' && x.effect.prNumber === undefined)
          losses.push(`target ${x.id} finished without knowing its PR`);
      }
      return { duplicates: [...new Set(duplicates)], losses: [...new Set(losses)] };
    }
  },
);
