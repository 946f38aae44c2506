import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  claimSchema,
  interpolateCompose,
  parseBake,
  parseCompose,
  parseDirectives,
  parseWorkflow,
  problemSchema,
  type ParseResult,
} from './index.js';

/** Text that is mostly near-misses of the real formats, plus plain random text. */
function soup(tokens: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 120 }),
    fc.array(fc.constantFrom(...tokens), { maxLength: 80 }).map((t) => t.join('')),
  );
}

const YAML_TOKENS = [
  'services:',
  'jobs:',
  'steps:',
  'with:',
  '\n',
  '  ',
  '    ',
  '\t',
  '- ',
  ': ',
  'build:',
  'image:',
  'context:',
  'dockerfile:',
  'args:',
  'target:',
  'tags:',
  'build-args:',
  'file:',
  '|',
  '>',
  'uses: docker/build-push-action@v6',
  'x/app:1',
  'a=b',
  '${X}',
  '${X:-d}',
  '$$',
  '$',
  '${{ x }}',
  '{{defaultContext}}:sub',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '&a ',
  '*a',
  '<<: ',
  '#',
  '---',
  '__proto__',
];
const HCL_TOKENS = [
  'target ',
  'variable ',
  'group ',
  'function ',
  '"a"',
  '"b"',
  ' {',
  '}',
  '\n',
  ' = ',
  'tags',
  'inherits',
  'args',
  'context',
  'dockerfile',
  'default',
  '["x/a:1"]',
  '["a", "b"]',
  '"${A}"',
  '"$${A}"',
  '"%{ if x }y%{ endif }"',
  'upper(A)',
  'A',
  'null',
  '1',
  'true',
  '[',
  ']',
  ',',
  '#',
  '//',
  '/*',
  '*/',
  '<<EOT\n',
  '\nEOT\n',
  '"',
];
const JSON_TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"target"',
  '"variable"',
  '"a"',
  '"tags"',
  '"inherits"',
  '"args"',
  '"default"',
  '"${A}"',
  '"x/a:1"',
  'null',
  '1',
  'true',
  '"__proto__"',
  ' ',
  '\n',
];

function assertWellFormed(result: ParseResult): void {
  for (const claim of result.claims) claimSchema.parse(claim);
  for (const problem of result.problems) problemSchema.parse(problem);
}

describe('malformed input never throws', () => {
  it('Compose files', () => {
    fc.assert(
      fc.property(soup(YAML_TOKENS), (text) =>
        assertWellFormed(parseCompose(text, '/r/compose.yaml')),
      ),
      { numRuns: 400 },
    );
  });

  it('workflows', () => {
    const action = soup(YAML_TOKENS).map(
      (t) => `jobs:\n  b:\n    steps:\n      - uses: docker/build-push-action@v6\n${t}`,
    );
    fc.assert(
      fc.property(fc.oneof(soup(YAML_TOKENS), action), (text) =>
        assertWellFormed(parseWorkflow(text, '/r/.github/workflows/ci.yml', '/r')),
      ),
      { numRuns: 400 },
    );
  });

  it('Dockerfile directives', () => {
    const line = fc.array(
      fc.constantFrom('# restack:', ' image=', 'x/a:1', ',', 'B@sha256:1', '\n', ' ', '='),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          soup(['# restack: image=']),
          line.map((t) => t.join('')),
        ),
        (text) => assertWellFormed(parseDirectives(text, '/r/Dockerfile')),
      ),
      { numRuns: 400 },
    );
  });

  it('Compose interpolation', () => {
    fc.assert(
      fc.property(
        soup(['$', '{', '}', 'X', ':-', '-', ':?', '?', ':+', '+', '$$', 'a']),
        (text) => {
          const result = interpolateCompose(text, new Map([['X', 'x']]));
          assert.equal(typeof result.ok, 'boolean');
        },
      ),
      { numRuns: 400 },
    );
  });

  it('Bake JSON files', async () => {
    await fc.assert(
      fc.asyncProperty(soup(JSON_TOKENS), async (text) =>
        assertWellFormed(await parseBake(text, '/r/docker-bake.json', 'json')),
      ),
      { numRuns: 300 },
    );
  });

  it('Bake HCL files', async () => {
    await fc.assert(
      fc.asyncProperty(soup(HCL_TOKENS), async (text) =>
        assertWellFormed(await parseBake(text, '/r/docker-bake.hcl', 'hcl')),
      ),
      { numRuns: 300 },
    );
  });
});

describe('directives round-trip', () => {
  it('claims exactly the names and tags written', () => {
    const segment = fc.stringMatching(/^[a-z0-9]{1,8}$/);
    const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(segment, tag), { minLength: 1, maxLength: 5 }), (images) => {
        const text = `# restack: image=${images.map(([n, t]) => `registry.example.com/${n}:${t}`).join(',')}\nFROM scratch\n`;
        const { claims, problems } = parseDirectives(text, '/r/Dockerfile');
        assert.deepEqual(problems, []);
        const got = claims.flatMap((c) => c.tags.map((t) => `${c.name}:${t}`)).sort();
        const want = [...new Set(images.map(([n, t]) => `registry.example.com/${n}:${t}`))].sort();
        assert.deepEqual(got, want);
      }),
    );
  });
});
