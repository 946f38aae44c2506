import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '@restack/config';
import { graphEndpoints, startGraphService } from '@restack/svc-graph';
import { runCli } from '../harness/cli.js';
import { busFixture, defer, testLogger } from '../harness/nats.js';

// A large organisation: thousands of Dockerfiles, so the whole-graph answer
// is larger than nats-server's max_payload (1 MiB) and cannot go as one
// plain message (the bus gzips it; see bus-rpc-large.test.ts for parts).

const DOCKERFILES = 5_000;
/** Each image's base is one of the first tenth's images: a broad tree four levels deep. */
const FANOUT = 10;

function dockerfile(i: number): string {
  const base =
    i === 0 ? 'debian:bookworm' : `registry.example.com/team-${Math.floor(i / FANOUT)}/app:1`;
  return `# restack: image=registry.example.com/team-${i}/app:1\nFROM ${base}\nRUN echo ${i}\n`;
}

async function writeOrganisation(dir: string): Promise<string> {
  // Written a batch at a time: one by one takes seconds on a slow disk.
  for (let first = 0; first < DOCKERFILES; first += 250) {
    const batch = Array.from({ length: Math.min(250, DOCKERFILES - first) }, (_v, k) => first + k);
    await Promise.all(
      batch.map(async (i) => {
        const folder = path.join(dir, 'repos', `team-${i}`);
        await mkdir(folder, { recursive: true });
        await writeFile(path.join(folder, 'Dockerfile'), dockerfile(i));
      }),
    );
  }
  const config = path.join(dir, 'restack.yaml');
  await writeFile(config, 'sources:\n  - path: ./repos\n');
  return config;
}

describe('graph service with a graph over 1 MiB', () => {
  it(
    'answers the whole graph exactly as the one-shot CLI does',
    { timeout: 120_000 },
    async (t) => {
      const { nats, bus } = await busFixture(t);
      const dir = await mkdtemp(path.join(tmpdir(), 'restack-graph-large-'));
      defer(t, () => rm(dir, { recursive: true, force: true }));
      const config = await writeOrganisation(dir);
      const service = await startGraphService({
        config: await loadConfig(config),
        nats: { servers: nats.url },
        logger: testLogger(),
        pullExpiresMs: 1_000,
      });
      defer(t, () => service.stop());

      const answer = await bus.request(graphEndpoints.graph, {}, 60_000);
      const max = bus.connection.info?.max_payload ?? 0;
      assert.ok(
        Buffer.byteLength(JSON.stringify(answer)) > max,
        `the graph is larger than max_payload (${max} bytes)`,
      );
      assert.equal(answer.nodes.length, DOCKERFILES);
      assert.equal(answer.edges.length, DOCKERFILES - 1);
      const cli = await runCli(['graph', '--config', config]);
      assert.equal(cli.code, 0, cli.stderr);
      assert.deepEqual(answer, JSON.parse(cli.stdout));
    },
  );
});
