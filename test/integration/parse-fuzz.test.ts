import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { extractDockerfile, extractJsonSchema, toExtractJson } from '@restack/dockerfile';
import { describeReference, formatReference, parseReference } from '@restack/reference';
import fc from 'fast-check';
import { repoRoot } from '../harness/cli.js';

// Random byte edits of the real Dockerfiles in examples/ and test/fixtures/,
// and of every reference they contain: extraction and parsing must answer
// (a result or an explained error), never throw. The generated-input
// property tests sit beside the code (shared/dockerfile, shared/reference).
// RESTACK_FUZZ_RUNS=20000 runs longer than CI's default.

const RUNS = Number(process.env.RESTACK_FUZZ_RUNS ?? 1000);

async function dockerfiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.startsWith('Dockerfile'))
      out.push(path.join(entry.parentPath, entry.name));
  }
  return out.sort();
}

/** Overwrites, inserts or deletes bytes at the given positions. */
function edit(input: Buffer, edits: Array<[number, number, number]>): Buffer {
  let out = input;
  for (const [pos, op, byte] of edits) {
    const i = out.length === 0 ? 0 : pos % out.length;
    const b = Buffer.from([byte]);
    if (op === 0) out = Buffer.concat([out.subarray(0, i), b, out.subarray(i + 1)]);
    else if (op === 1) out = Buffer.concat([out.subarray(0, i), b, out.subarray(i)]);
    else out = Buffer.concat([out.subarray(0, i), out.subarray(i + 1)]);
  }
  return out;
}

const edits = fc.array(
  fc.tuple(
    fc.nat(),
    fc.nat(2),
    fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(10, 92, 36, 58, 64, 47)),
  ),
  { minLength: 1, maxLength: 10 },
);

function checkReference(input: string): void {
  const parsed = parseReference(input);
  const described = describeReference(input);
  assert.equal(parsed.ok, described.valid, input);
  if (!parsed.ok) {
    assert.ok(parsed.error.length > 10, `rejection of ${JSON.stringify(input)} says why`);
    return;
  }
  // An accepted reference normalises to a stable form.
  const again = parseReference(formatReference(parsed.ref));
  assert.ok(again.ok, formatReference(parsed.ref));
  assert.deepEqual(again.ref, parsed.ref);
}

describe('parsing real inputs with random edits', async () => {
  const files = [
    ...(await dockerfiles(path.join(repoRoot, 'examples'))),
    ...(await dockerfiles(path.join(repoRoot, 'test', 'fixtures'))),
  ];
  const texts = await Promise.all(files.map((f) => readFile(f)));
  const refs = [
    ...new Set(
      texts.flatMap((t) =>
        extractDockerfile(t.toString('utf8'), { file: 'Dockerfile' }).references.map((r) => r.raw),
      ),
    ),
  ];

  it('starts from real inputs', () => {
    assert.ok(files.length >= 10, `found ${files.length} Dockerfiles`);
    assert.ok(refs.length >= 10, `found ${refs.length} references`);
    for (const r of refs) checkReference(r);
  });

  it(`extracts every mutated fixture Dockerfile without throwing (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.nat(files.length - 1), edits, (i, e) => {
        const text = edit(texts[i]!, e).toString('utf8');
        const x = extractDockerfile(text, { file: files[i]! });
        const lines = text.split('\n').length;
        for (const p of [...x.errors, ...x.notes]) {
          assert.ok(p.line === null || (p.line >= 1 && p.line <= lines), `line ${p.line}`);
          assert.doesNotMatch(p.message, /internal error/);
        }
        assert.ok(x.stages.length > 0 || x.errors.length > 0, 'a result or an error');
        assert.ok(extractJsonSchema.safeParse(toExtractJson(x, { notes: true })).success);
      }),
      { numRuns: RUNS },
    );
  });

  it(`parses every mutated fixture reference without throwing (${RUNS * 4} runs)`, () => {
    fc.assert(
      fc.property(fc.nat(refs.length - 1), edits, (i, e) =>
        checkReference(edit(Buffer.from(refs[i]!), e).toString('utf8')),
      ),
      { numRuns: RUNS * 4 },
    );
  });
});
