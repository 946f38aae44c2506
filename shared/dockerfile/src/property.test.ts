import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  extractDockerfile,
  extractJsonSchema,
  toExtractJson,
  type DockerfileExtract,
} from './index.js';

/** What must hold for any input at all. */
function checkInvariants(text: string, x: DockerfileExtract): void {
  const lines = text.split('\n').length;
  const lineOk = (line: number | null): boolean => line === null || (line >= 1 && line <= lines);
  for (const p of [...x.errors, ...x.notes]) {
    assert.ok(lineOk(p.line), `line ${p.line} outside 1..${lines}`);
    assert.doesNotMatch(p.message, /internal error/);
  }
  for (const r of x.references) {
    assert.ok(r.range.start >= 0 && r.range.start <= r.range.end && r.range.end <= text.length);
    const slice = text.slice(r.range.start, r.range.end);
    if (!slice.includes('\n')) assert.equal(slice, r.raw);
    assert.ok(lineOk(r.line) && lineOk(r.instructionLine) && r.instructionLine <= r.line);
    assert.ok(r.stage >= 0 && r.stage < x.stages.length);
    assert.equal(r.unresolved, r.resolved === null);
    assert.equal(r.unresolved, r.ref === null);
    assert.equal(r.unresolved, r.reason !== null);
    for (const a of r.args) assert.ok(a.range.start >= 0 && a.range.end <= text.length);
  }
  // Never silent: either a stage was found or the errors say what is wrong.
  assert.ok(x.stages.length > 0 || x.errors.length > 0);
  assert.equal(extractJsonSchema.safeParse(toExtractJson(x, { notes: true })).success, true);
}

function extractChecked(text: string, buildArgs: Record<string, string> = {}): void {
  const x = extractDockerfile(text, { file: 'Dockerfile', buildArgs });
  checkInvariants(text, x);
  // Same input, same answer (the reference cache must not leak state).
  assert.deepEqual(extractDockerfile(text, { file: 'Dockerfile', buildArgs }), x);
}

const SEED = `# syntax=docker/dockerfile:1
# escape=\\
ARG BASE=golang:1.22
FROM --platform=$BUILDPLATFORM \${BASE} AS build
ARG TOOLS=busybox:1.36
COPY --from=\${TOOLS:-alpine} /bin /bin
RUN --mount=type=cache,target=/c,from=node:20 \\
    # comment
    go build <<EOF
FROM evil
EOF
FROM scratch
COPY --from=build /out /
ONBUILD RUN echo
`;

// Characters and tokens that matter to the parser, to mutate real files with.
const TOKENS = [
  '\\',
  '`',
  '\n',
  '\r\n',
  '\r',
  '"',
  "'",
  '$',
  '${',
  '}',
  '<<',
  '<<-',
  '#',
  ' ',
  '\t',
  '-',
  '--',
  '=',
  ',',
  'FROM ',
  'AS ',
  'EOF',
  ':',
  '@',
  '\uFEFF',
  '\u0000',
];

const mutation = fc.tuple(
  fc.nat(),
  fc.nat(3),
  fc.constantFrom(...TOKENS),
  fc.string({ maxLength: 4 }),
);

function mutate(text: string, edits: Array<[number, number, string, string]>): string {
  let out = text;
  for (const [pos, op, token, extra] of edits) {
    const i = out.length === 0 ? 0 : pos % (out.length + 1);
    if (op === 0) out = out.slice(0, i) + token + out.slice(i);
    else if (op === 1) out = out.slice(0, i) + out.slice(i + 1 + (pos % 5));
    else if (op === 2) out = out.slice(0, i) + extra + out.slice(i + 1);
    else out = out.slice(0, i) + token + extra + token + out.slice(i);
  }
  return out;
}

const LINE = fc.oneof(
  fc.constantFrom(
    'FROM alpine', 'FROM alpine AS a', 'FROM a', 'FROM ${IMG}', 'FROM scratch', 'from b as B',
    'ARG IMG=busybox', 'ARG IMG', 'ARG V=${IMG:-x}', 'COPY --from=a / /', 'COPY --from=0 / /',
    'COPY --from=$IMG / /', 'RUN --mount=from=b,target=/x true', 'RUN <<EOF', 'RUN <<-EOF', 'EOF',
    '\tEOF', 'RUN x \\', '# c', '', '  ', '# escape=`', 'ONBUILD COPY --from=x / /', 'ENV IMG=nginx',
    'RUN echo "<<EOF"', 'COPY <<A <<B /x', 'A', 'B', 'RUN x `',
  ), // prettier-ignore
  fc.string({ maxLength: 12 }),
);

describe('extraction never throws and always terminates', () => {
  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => extractChecked(s)),
      {
        numRuns: 400,
      },
    );
  });

  it('on arbitrary bytes read as UTF-8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) =>
        extractChecked(new TextDecoder().decode(bytes)),
      ),
      { numRuns: 300 },
    );
  });

  it('on a real Dockerfile with random edits', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 12 }), (edits) =>
        extractChecked(mutate(SEED, edits)),
      ),
      { numRuns: 400 },
    );
  });

  it('on random sequences of Dockerfile lines, with random build args', () => {
    const buildArgs = fc.dictionary(
      fc.constantFrom('IMG', 'V', 'TARGETARCH', '__proto__', 'constructor'),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(
        fc.array(LINE, { maxLength: 30 }),
        fc.constantFrom('\n', '\r\n'),
        buildArgs,
        (lines, eol, args) => extractChecked(lines.join(eol), args),
      ),
      { numRuns: 400 },
    );
  });

  it('on large hostile inputs (linear time, bounded values)', () => {
    const n = 20_000;
    const inputs = [
      '# syntax=a' + ' x'.repeat(n) + 'y\nFROM a\n',
      'FROM ' + '${A:-'.repeat(n) + 'x' + '}'.repeat(n) + '\n',
      'FROM a AS s\n' + 'COPY --from=later / /\n'.repeat(n) + 'FROM b AS later\n',
      'FROM a\n' + 'RUN <<EOF\n'.repeat(n),
      'ARG A0=x\n' +
        Array.from({ length: 200 }, (_, i) => `ARG A${i + 1}=\${A${i}}\${A${i}}`).join('\n') +
        '\nFROM a:${A200}\n',
      'ARG ' + 'A=1 \\\n'.repeat(n) + 'B=2\nFROM a:$B\n',
      'FROM ' + '$'.repeat(n) + '\n',
    ];
    for (const text of inputs) extractChecked(text);
  });
});
