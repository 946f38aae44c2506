import type { DockerfileExtract } from './types.js';

/**
 * One line per reference or stage, for tests and debugging:
 * `line kind stage raw => resolved` (`?` when unresolved) and
 * `index name baseKind base`.
 */
export function referenceLines(x: DockerfileExtract): string[] {
  return x.references.map((r) => `${r.line} ${r.kind} ${r.stage} ${r.raw} => ${r.resolved ?? '?'}`);
}

export function stageLines(x: DockerfileExtract): string[] {
  return x.stages.map((s) => `${s.index} ${s.name ?? '-'} ${s.baseKind} ${s.base}`);
}
