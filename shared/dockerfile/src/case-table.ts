import assert from 'node:assert/strict';
import { it } from 'node:test';
import { extractDockerfile, type DockerfileExtract } from './index.js';
import { referenceLines, stageLines } from './summarize.js';

/** One row of the extraction tables (test support, not part of the API). */
export interface Case {
  readonly name: string;
  readonly text: string;
  readonly buildArgs?: Record<string, string>;
  /** `line kind stage raw => resolved`, see referenceLines. */
  readonly refs: string[];
  readonly stages?: string[];
  /** One entry per error, in order: its line and what the message says. */
  readonly errors?: Array<[number | null, RegExp]>;
  readonly notes?: Array<[number | null, RegExp]>;
  readonly check?: (x: DockerfileExtract) => void;
}

export function runCase(c: Case): void {
  it(c.name, () => {
    const x = extractDockerfile(c.text, { file: 'Dockerfile', buildArgs: c.buildArgs ?? {} });
    assert.deepEqual(referenceLines(x), c.refs);
    if (c.stages) assert.deepEqual(stageLines(x), c.stages);
    expectProblems('errors', x.errors, c.errors ?? []);
    if (c.notes) expectProblems('notes', x.notes, c.notes);
    c.check?.(x);
  });
}

function expectProblems(
  what: string,
  actual: DockerfileExtract['errors'],
  expected: Array<[number | null, RegExp]>,
): void {
  assert.equal(actual.length, expected.length, `${what}: ${JSON.stringify(actual)}`);
  expected.forEach(([line, re], i) => {
    assert.equal(actual[i]?.line, line);
    assert.match(actual[i]?.message ?? '', re);
  });
}
