import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../harness/cli.js';

/** Every metric name the sources define (`'restack_..._total'` and friends). */
function definedMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      if (entry === 'node_modules' || entry === 'dist') continue;
      const file = path.join(dir, entry);
      if (statSync(file).isDirectory()) walk(file);
      else if (file.endsWith('.ts') && !file.endsWith('.test.ts')) {
        for (const m of readFileSync(file, 'utf8').matchAll(/['"`](restack_[a-z0-9_]+)['"`]/g))
          names.add(m[1]!);
      }
    }
  };
  for (const group of ['shared', 'services']) walk(path.join(repoRoot, group));
  return names;
}

describe('Grafana dashboard', () => {
  it('charts every restack metric the services define', () => {
    const dashboard = JSON.parse(
      readFileSync(path.join(repoRoot, 'infra', 'grafana', 'restack-dashboard.json'), 'utf8'),
    ) as { uid: string; panels: { id: number; targets?: { expr: string }[] }[] };
    const exprs = dashboard.panels
      .flatMap((p) => p.targets ?? [])
      .map((t) => t.expr)
      .join('\n');
    const metrics = [...definedMetrics()];
    assert.ok(
      metrics.includes('restack_events_out_total') &&
        metrics.includes('restack_http_requests_total'),
    );
    const missing = metrics.filter(
      (m) => !new RegExp(`\\b${m}(_bucket|_sum|_count)?\\b`).test(exprs),
    );
    assert.deepEqual(missing, [], 'metrics without a panel');
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  });
});
