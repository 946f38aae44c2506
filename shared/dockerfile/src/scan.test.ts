import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineAt, scanDockerfile, sourceAt } from './scan.js';

/** `line:keyword args` for every instruction, as BuildKit would split the file. */
function outline(text: string): string[] {
  return scanDockerfile(text).instructions.map((i) =>
    `${i.line}:${i.keyword} ${i.text.slice(i.restStart, i.restEnd)}`.trimEnd(),
  );
}

function problems(text: string): string[] {
  return scanDockerfile(text).problems.map((p) => `${p.line}: ${p.message}`);
}

describe('scanDockerfile: lines and continuations', () => {
  const cases: Array<[string, string, string[]]> = [
    ['LF file', 'FROM a\nRUN x\n', ['1:from a', '2:run x']],
    ['CRLF file', 'FROM a\r\nRUN x \\\r\n  y\r\n', ['1:from a', '2:run x   y']],
    ['no final newline', 'FROM a\nRUN x', ['1:from a', '2:run x']],
    ['UTF-8 BOM', '\uFEFFFROM a\n', ['1:from a']],
    ['lower and mixed case keywords', 'from a\nCoPy b c\n', ['1:from a', '2:copy b c']],
    ['leading whitespace', '   \tFROM a\n', ['1:from a']],
    ['comments and blank lines', '# c\n\n  # indented\nFROM a\n', ['4:from a']],
    [
      'comment and blank lines inside a continuation',
      'RUN a \\\n# comment\n\n   \n  # indented comment\n  b\n',
      ['1:run a   b'],
    ],
    [
      'continuation with trailing spaces after the backslash',
      'RUN a \\  \t\n  b\n',
      ['1:run a   b'],
    ],
    ['a line that is only a backslash', '\\\nFROM a\n', ['2:from a']],
    [
      'escaped backslash at the end is no continuation',
      'RUN a \\\\\nRUN b\n',
      ['1:run a \\\\', '2:run b'],
    ],
    ['continuation at end of file', 'RUN a \\\n', ['1:run a']],
    ['a comment line never continues', '# c \\\nFROM a\n', ['2:from a']],
    [
      'a lone CR is not a line break (Go splits on \\n only)',
      'FROM a\rRUN b\n',
      ['1:from a\rRUN b'],
    ],
    ['tab separated', 'FROM\ta\tAS\tb\n', ['1:from a\tAS\tb']],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => assert.deepEqual(outline(text), expected));
  }

  it('maps every character of a joined instruction back to the file', () => {
    const text = 'FROM a\nCOPY --from=x \\\n   # note\n   y /z\n';
    const ins = scanDockerfile(text).instructions[1];
    assert.ok(ins);
    const at = ins.text.indexOf('y /z');
    assert.equal(text.slice(sourceAt(ins.segments, at), sourceAt(ins.segments, at) + 4), 'y /z');
    assert.equal(lineAt(ins.segments, at), 4);
    assert.equal(ins.line, 2);
  });
});

describe('scanDockerfile: parser directives', () => {
  it('reads syntax and a backtick escape, which then continues lines', () => {
    const scan = scanDockerfile(
      '# syntax=docker/dockerfile:1\n# escape=`\nFROM a `\n  AS b\nCOPY c:\\ d:\\\n',
    );
    assert.equal(scan.syntax, 'docker/dockerfile:1');
    assert.equal(scan.escape, '`');
    assert.deepEqual(
      scan.instructions.map((i) => i.text),
      ['FROM a   AS b', 'COPY c:\\ d:\\'],
    );
  });

  it('accepts spaces around the name and value, and any case', () => {
    assert.equal(scanDockerfile('  #  ESCAPE = `  \nFROM a\n').escape, '`');
  });

  it('check= is a directive, so an escape after it still counts', () => {
    assert.equal(scanDockerfile('# check=skip=all\n# escape=`\nFROM a\n').escape, '`');
  });

  const notDirectives: Array<[string, string]> = [
    ['after a comment', '# hello\n# escape=`\nFROM a\n'],
    ['after a blank line', '\n# escape=`\nFROM a\n'],
    ['after an instruction', 'FROM a\n# escape=`\n'],
    ['after an unknown directive', '# foo=bar\n# escape=`\nFROM a\n'],
  ];
  for (const [name, text] of notDirectives) {
    it(`is a plain comment ${name}`, () => assert.equal(scanDockerfile(text).escape, '\\'));
  }

  it('reports an invalid escape token and a repeated directive, with their lines', () => {
    assert.deepEqual(problems('# escape=x\nFROM a\n'), [
      "1: invalid escape token 'x' does not match ` or \\",
    ]);
    assert.deepEqual(problems('# escape=`\n# escape=\\\nFROM a\n'), [
      '2: only one escape parser directive can be used',
    ]);
  });
});

describe('scanDockerfile: heredocs (BuildKit heredocsFromLine)', () => {
  const cases: Array<[string, string, string[]]> = [
    [
      'RUN <<EOF swallows its body',
      'RUN <<EOF\nFROM evil\nEOF\nFROM b\n',
      ['1:run <<EOF', '4:from b'],
    ],
    ['COPY <<EOF /x', 'COPY <<EOF /x\nFROM evil\nEOF\nFROM b\n', ['1:copy <<EOF /x', '4:from b']],
    ['ADD <<EOF /x', 'ADD <<EOF /x\nFROM evil\nEOF\nFROM b\n', ['1:add <<EOF /x', '4:from b']],
    [
      'two heredocs, read in order',
      'RUN <<A <<B\nFROM e1\nA\nFROM e2\nB\nFROM b\n',
      ['1:run <<A <<B', '6:from b'],
    ],
    [
      '<<- lets the end be tab-indented',
      'RUN <<-EOF\n\tFROM evil\n\tEOF\nFROM b\n',
      ['1:run <<-EOF', '4:from b'],
    ],
    ['<<"EOF" quoted name', 'RUN <<"EOF"\nFROM evil\nEOF\nFROM b\n', ['1:run <<"EOF"', '4:from b']],
    ["<<'EOF' quoted name", "RUN <<'EOF'\nFROM evil\nEOF\nFROM b\n", ["1:run <<'EOF'", '4:from b']],
    [
      'file descriptor prefix 3<<EOF',
      'RUN cat 3<<EOF\nFROM evil\nEOF\nFROM b\n',
      ['1:run cat 3<<EOF', '4:from b'],
    ],
    [
      'redirect after the marker',
      'RUN cat <<EOF > /x\nFROM evil\nEOF\nFROM b\n',
      ['1:run cat <<EOF > /x', '4:from b'],
    ],
    ['CRLF heredoc', 'RUN <<EOF\r\nFROM evil\r\nEOF\r\nFROM b\r\n', ['1:run <<EOF', '4:from b']],
    [
      'marker on a continued line after flags',
      'RUN --mount=type=cache,target=/c \\\n  <<EOF\nFROM evil\nEOF\nFROM b\n',
      ['1:run --mount=type=cache,target=/c   <<EOF', '5:from b'],
    ],
    [
      'under ONBUILD',
      'ONBUILD RUN <<EOF\nFROM evil\nEOF\nFROM b\n',
      ['1:onbuild RUN <<EOF', '4:from b'],
    ],
    ['lower-case run', 'run <<EOF\nFROM evil\nEOF\nFROM b\n', ['1:run <<EOF', '4:from b']],
    // Not heredocs for BuildKit, so the following lines are instructions.
    [
      'a quoted marker is text',
      'RUN echo "x <<EOF y"\nFROM b\n',
      ['1:run echo "x <<EOF y"', '2:from b'],
    ],
    [
      'cat<<EOF is one word that does not start with <<',
      'RUN cat<<EOF\nFROM b\n',
      ['1:run cat<<EOF', '2:from b'],
    ],
    ['JSON form', 'RUN ["<<EOF"]\nFROM b\n', ['1:run ["<<EOF"]', '2:from b']],
    ['FROM takes no heredoc', 'FROM a <<EOF\nFROM b\n', ['1:from a <<EOF', '2:from b']],
    [
      'an unterminated quote hides every marker',
      'RUN echo "x <<EOF\nFROM b\n',
      ['1:run echo "x <<EOF', '2:from b'],
    ],
    [
      'the end line must match exactly (no trailing space, no indent without <<-)',
      'RUN <<EOF\nEOF \n  EOF\nEOF\nFROM b\n',
      ['1:run <<EOF', '5:from b'],
    ],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => assert.deepEqual(outline(text), expected));
  }

  it('reports an unterminated heredoc at the line that opens it', () => {
    assert.deepEqual(problems('FROM a\nRUN <<EOF\nFROM evil\n'), [
      '2: unterminated heredoc: no line "EOF" closes the heredoc opened here',
    ]);
  });
});
