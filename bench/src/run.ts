// `npm run bench`: prints figures for the targets in the issues. Nothing here
// is a test; numbers vary with the machine.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '@restack/config';
import { extractDockerfile } from '@restack/dockerfile';
import { findDockerfiles, loadGraph, planChange } from '@restack/graph';
import { parseReference } from '@restack/reference';
import { benchFloor } from './floor.js';
import { benchGraphService } from './graph-service.js';
import { benchLoad } from './load.js';
import { writeSyntheticOrg } from './synthetic.js';
import { benchWatcher } from './watcher.js';

function ms(start: number): string {
  return `${(performance.now() - start).toFixed(1)} ms`;
}

async function main(): Promise<void> {
  // `npm run bench -- --load`: only the load figures.
  if (process.argv.includes('--load')) return benchLoad();
  // `npm run bench -- --floor`: the JetStream work per event with no restack code.
  if (process.argv.includes('--floor')) return benchFloor();
  const dir = mkdtempSync(path.join(tmpdir(), 'restack-bench-'));
  try {
    const { config, dockerfiles } = writeSyntheticOrg(dir);
    console.log(`synthetic organisation: ${dockerfiles} Dockerfiles in 5 layers (${dir})`);

    // Extraction alone, over texts already in memory.
    const files = await findDockerfiles(path.join(dir, 'repos'));
    const texts = files.map((f) => readFileSync(f, 'utf8'));
    let t = performance.now();
    texts.forEach((text, i) => extractDockerfile(text, { file: files[i]! }));
    const extractMs = performance.now() - t;
    console.log(
      `extraction: ${Math.round((texts.length / extractMs) * 1000)} Dockerfiles/s (${extractMs.toFixed(0)} ms)`,
    );

    // The whole index: config, discovery, reading, extraction, graph.
    t = performance.now();
    const graph = await loadGraph(await loadConfig(config));
    console.log(
      `whole index (config + discovery + read + extract + graph): ${ms(t)}  [target <= 2000 ms]`,
    );
    console.log(
      `graph: ${graph.nodes.length} nodes, ${graph.edges.length} edges, ${graph.errors.length} errors`,
    );

    const debian = parseReference('debian:bookworm');
    if (!debian.ok) throw new Error(debian.error);
    // The first plan on a graph also builds its plan index (kept per graph).
    t = performance.now();
    planChange(graph, [debian.ref]);
    console.log(`first plan on this graph, index included: ${ms(t)}`);
    t = performance.now();
    const plan = planChange(graph, [debian.ref]);
    console.log(`plan of a change affecting every Dockerfile: ${ms(t)}  [target <= 50 ms]`);
    const affected = plan.waves.reduce((n, w) => n + w.length, 0);
    console.log(
      `plan: ${plan.waves.length} waves, ${affected} affected, ${plan.unaffected} unaffected`,
    );
    const rssMb = process.resourceUsage().maxRSS / 1024;
    console.log(`peak RSS: ${rssMb.toFixed(0)} MB  [target <= 256 MB]`);

    await benchGraphService(dir, config);
    await benchWatcher();
    await benchLoad();
    await benchFloor();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
