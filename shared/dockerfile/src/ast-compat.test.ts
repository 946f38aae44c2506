import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DockerfileParser, type Copy, type From } from 'dockerfile-ast';
import fc from 'fast-check';
import { extractDockerfile } from './index.js';
import { scanDockerfile } from './scan.js';
import { extractFlags } from './words.js';

/**
 * dockerfile-ast (the Docker language server's parser) is too slow for the
 * hot path and differs from BuildKit on heredocs, quoting and line breaks
 * (see README). On ordinary Dockerfiles, though, both must agree: this
 * differential test keeps our BuildKit port honest against it.
 */

const word = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,6}(:[a-z0-9.]{1,4})?$/);
const stageName = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9._-]{0,6}$/);
const keyword = fc.constantFrom(
  'RUN',
  'run',
  'COPY',
  'ENV',
  'WORKDIR',
  'LABEL',
  'USER',
  'EXPOSE',
  'CMD',
  'Run',
);
const filler = fc.constantFrom('', '# a comment', '   # indented comment', '   ');

/** An instruction as physical lines, maybe split by continuations. */
const instruction = fc.oneof(
  fc
    .tuple(word, fc.option(stageName, { nil: null }), fc.boolean())
    .map(([image, name, platform]) => [
      `FROM ${platform ? '--platform=linux/arm64 ' : ''}${image}${name === null ? '' : ` AS ${name}`}`,
    ]),
  fc.tuple(word, word).map(([from, dest]) => [`COPY --from=${from} /src /${dest}`]),
  fc
    .tuple(
      keyword,
      fc.array(word, { minLength: 1, maxLength: 5 }),
      fc.array(filler, { maxLength: 2 }),
      fc.nat(3),
    )
    .map(([k, args, fill, spaces]) => {
      const [first, ...rest] = args;
      if (rest.length === 0) return [`${k} ${first}`];
      return [
        `${k} ${first} \\${' '.repeat(spaces)}`,
        ...fill,
        ...rest.map((a, i) => `  ${a}${i < rest.length - 1 ? ' \\' : ''}`),
      ];
    }),
);

const dockerfile = fc
  .array(fc.tuple(fc.array(filler, { maxLength: 2 }), instruction), { minLength: 1, maxLength: 12 })
  .map(
    (parts) => `FROM base\n${parts.flatMap(([fill, lines]) => [...fill, ...lines]).join('\n')}\n`,
  );

describe('agreement with dockerfile-ast on ordinary Dockerfiles', () => {
  it('same instructions on the same lines, same FROM images and COPY --from values', () => {
    fc.assert(
      fc.property(dockerfile, (text) => {
        const ast = DockerfileParser.parse(text);
        const theirs = ast
          .getInstructions()
          .map((i) => `${i.getKeyword()}@${i.getRange().start.line + 1}`);
        const ours = scanDockerfile(text).instructions.map(
          (i) => `${i.keyword.toUpperCase()}@${i.line}`,
        );
        assert.deepEqual(ours, theirs);

        const x = extractDockerfile(text, { file: 'Dockerfile' });
        const astFroms = ast
          .getFROMs()
          .map((f: From) => [f.getImage(), f.getBuildStage()?.toLowerCase() ?? null]);
        assert.deepEqual(
          x.stages.map((s) => [
            x.references.find((r) => r.kind === 'from' && r.stage === s.index)?.raw ?? s.base,
            s.name,
          ]),
          astFroms,
        );
        const astCopies = ast
          .getCOPYs()
          .map((c: Copy) => c.getFromFlag()?.getValue())
          .filter((v): v is string => typeof v === 'string');
        const ourCopies = scanDockerfile(text)
          .instructions.filter((i) => i.keyword === 'copy')
          .flatMap((i) => extractFlags(i.text, i.restStart, i.restEnd).flags)
          .flatMap((f) => (f.name === 'from' && f.value !== null ? [f.value.text] : []));
        assert.deepEqual(ourCopies, astCopies);
      }),
      { numRuns: 300 },
    );
  });
});
