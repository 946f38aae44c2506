// Figures for the graph service (issue "Graph service: repository sources,
// catalog discovery, campaigns planned from events"). Not a test.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '@restack/config';
import { decodeSnapshot, encodeSnapshot, graphIndexFor, planChange } from '@restack/graph';
import { parseReference } from '@restack/reference';
import { LAYERS } from './synthetic.js';

function since(start: number): string {
  return `${(performance.now() - start).toFixed(1)} ms`;
}

/** Compose files claiming the last layer's images, so discovery has real work. */
function writeComposeClaims(dir: string): number {
  const last = LAYERS.length - 1;
  const byRepo = new Map<number, string[]>();
  for (let i = 0; i < LAYERS[last]!; i++) {
    const lines = byRepo.get(i % 50) ?? [];
    lines.push(
      `  svc${i}:\n    build: ./svc${i}\n    image: registry.example.com/l${last}/img${i}:1\n`,
    );
    byRepo.set(i % 50, lines);
  }
  for (const [repo, services] of byRepo) {
    writeFileSync(
      path.join(dir, 'repos', `l${last}`, `r${repo}`, 'compose.yaml'),
      `services:\n${services.join('')}`,
    );
  }
  return byRepo.size;
}

/** Index with discovery, one-file update, plan and snapshot load, on the synthetic organisation in `dir`. */
export async function benchGraphService(dir: string, configFile: string): Promise<void> {
  const composeFiles = writeComposeClaims(dir);
  const loaded = await loadConfig(configFile);
  let t = performance.now();
  const index = graphIndexFor(loaded);
  await index.indexAll();
  let graph = index.graph();
  console.log(
    `graph service: index with discovery (${composeFiles} compose files): ${since(t)}  [target <= 3000 ms]`,
  );
  const discovered = graph.nodes.filter((n) => n.images.some((i) => i.source === 'compose')).length;
  console.log(
    `graph service: ${graph.nodes.length} nodes, ${discovered} mapped by compose, ${graph.errors.length} errors`,
  );

  // A first update warms the code up (as in a running service), then one
  // Dockerfile of the middle layer changes its base.
  appendFileSync(path.join(loaded.baseDir, 'repos/l3/r1/svc1/Dockerfile'), 'RUN true\n');
  await index.apply({ ids: ['repos/l3/r1/svc1/Dockerfile'] });
  const id = 'repos/l2/r0/svc0/Dockerfile';
  const file = path.join(loaded.baseDir, id);
  writeFileSync(file, readFileSync(file, 'utf8').replace('l1/img0', 'l1/img5'));
  t = performance.now();
  const delta = await index.apply({ ids: [id] });
  console.log(
    `graph service: incremental update after one file changed: ${since(t)}  [target <= 50 ms]`,
  );
  console.log(
    `graph service: update: ${delta.changedFiles.length} file, +${delta.edges.added.length}/-${delta.edges.removed.length} edges`,
  );

  const debian = parseReference('debian:bookworm');
  if (!debian.ok) throw new Error(debian.error);
  graph = index.graph();
  planChange(graph, [debian.ref]);
  t = performance.now();
  planChange(graph, [debian.ref]);
  console.log(`graph service: plan: ${since(t)}  [target <= 50 ms]`);

  t = performance.now();
  const bytes = encodeSnapshot(index, 'bench');
  console.log(
    `graph service: snapshot write: ${since(t)}, ${(bytes.length / 1024).toFixed(0)} KiB gzip (${Math.ceil(bytes.length / (512 * 1024))} KV chunks)`,
  );
  t = performance.now();
  const decoded = decodeSnapshot(bytes, 'bench');
  if (!decoded) throw new Error('snapshot did not decode');
  const restored = graphIndexFor(loaded, {}, decoded.data);
  const again = restored.graph();
  console.log(
    `graph service: snapshot load at start-up (decode + graph, no source read): ${since(t)}  [target <= 500 ms]`,
  );
  if (again.edges.length !== graph.edges.length) throw new Error('restored graph differs');
}
