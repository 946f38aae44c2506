import type { ExtractJson } from './schema.js';
import type { DockerfileExtract } from './types.js';

export interface ExtractJsonOptions {
  /** Add the `notes` array (ONBUILD triggers, BuildKit differences). Off by default. */
  readonly notes?: boolean;
}

/** The CLI shape of one extraction, in the documented field order. */
export function toExtractJson(
  extract: DockerfileExtract,
  options: ExtractJsonOptions = {},
): ExtractJson {
  const json: ExtractJson = {
    file: extract.file,
    references: extract.references.map((r) => ({
      line: r.line,
      kind: r.kind,
      stage: r.stage,
      stageName: r.stageName,
      platform: r.platform,
      raw: r.raw,
      ref: r.ref,
      unresolved: r.unresolved,
      reason: r.reason,
    })),
    stages: extract.stages.map((s) => ({ index: s.index, name: s.name, base: s.base })),
    errors: extract.errors.map((e) => ({ line: e.line, message: e.message })),
  };
  if (options.notes) json.notes = extract.notes.map((n) => ({ line: n.line, message: n.message }));
  return json;
}
