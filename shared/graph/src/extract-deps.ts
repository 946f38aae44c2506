import { extractDockerfile } from '@restack/dockerfile';
import { referenceOfReport } from '@restack/reference';
import type { Dependency, DockerfileDeps, GraphError } from './types.js';

/** A stable key for one set of build args. */
export function argsKey(args: Record<string, string>): string {
  return JSON.stringify(Object.entries(args).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Distinct build-arg sets, in first-seen order. */
export function uniqueArgSets(
  sets: ReadonlyArray<Record<string, string>>,
): Array<Record<string, string>> {
  const byKey = new Map<string, Record<string, string>>();
  for (const s of sets) if (!byKey.has(argsKey(s))) byKey.set(argsKey(s), s);
  return [...byKey.values()];
}

/** Extracts one Dockerfile once per distinct set of build args and merges the results. */
export function extractDeps(
  dockerfile: string,
  text: string | undefined,
  argSets: ReadonlyArray<Record<string, string>>,
  readError = 'the file does not exist',
): DockerfileDeps {
  if (text === undefined) {
    return {
      dockerfile,
      dependencies: [],
      errors: [{ file: dockerfile, line: null, message: `cannot read: ${readError}` }],
    };
  }
  const dependencies: Dependency[] = [];
  const errors: GraphError[] = [];
  const seen = new Set<string>();
  for (const buildArgs of uniqueArgSets(argSets)) {
    const extract = extractDockerfile(text, { file: dockerfile, buildArgs });
    for (const r of extract.references) {
      const key = `${r.line}\n${r.kind}\n${r.ref ? JSON.stringify(r.ref) : ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      dependencies.push({ line: r.line, kind: r.kind, ref: referenceOfReport(r.ref) });
    }
    for (const e of extract.errors) {
      if (!errors.some((x) => x.line === e.line && x.message === e.message))
        errors.push({ file: dockerfile, line: e.line, message: e.message });
    }
  }
  return { dockerfile, dependencies, errors };
}
