import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandWord, type Lookup, type VarValue } from './lex.js';

const origin = { name: 'A', line: 1, range: { start: 4, end: 5 }, global: true };

const vars: Record<string, VarValue> = {
  A: { kind: 'known', value: 'a', sources: [origin] },
  E: { kind: 'known', value: '', sources: [] },
  ARCH: { kind: 'unknown', reason: 'ARCH is only known at build time', mayBeEmpty: false },
  VARIANT: { kind: 'unknown', reason: 'VARIANT is only known at build time', mayBeEmpty: true },
  NOVAL: { kind: 'unset', reason: 'ARG NOVAL has no default' },
};
const lookup: Lookup = (name) => vars[name] ?? { kind: 'unset', reason: `${name} is not declared` };

function value(word: string, escape = '\\'): string {
  const exp = expandWord(word, escape, lookup);
  assert.ok(exp.ok, `expected ${word} to resolve, got ${exp.ok ? '' : exp.reason}`);
  return exp.value;
}

function reason(word: string): string {
  const exp = expandWord(word, '\\', lookup);
  assert.ok(!exp.ok, `expected ${word} to stay unresolved, got ${exp.ok ? exp.value : ''}`);
  return exp.reason;
}

describe('expandWord: substitution forms (BuildKit shell lexer)', () => {
  const resolved: Array<[string, string]> = [
    ['plain', 'plain'],
    ['$A', 'a'],
    ['${A}', 'a'],
    ['x$A-${A}y', 'xa-ay'],
    ['${A:-d}', 'a'],
    ['${E:-d}', 'd'],
    ['${U:-d}', 'd'],
    ['${NOVAL:-d}', 'd'],
    ['${A-d}', 'a'],
    ['${E-d}', ''],
    ['${U-d}', 'd'],
    ['${A:+alt}', 'alt'],
    ['${E:+alt}', ''],
    ['${U:+alt}', ''],
    ['${A+alt}', 'alt'],
    ['${E+alt}', 'alt'],
    ['${U+alt}', ''],
    ['${ARCH+set}', 'set'],
    ['${ARCH:+set}', 'set'],
    ['${U:-${A}}', 'a'],
    ['${A:-$NOPE}', 'a'],
    ['${A?}', 'a'],
    ['"$A"', 'a'],
    ["'$A'", '$A'],
    ['\\$A', '$A'],
    ['a\\:b', 'a:b'],
    ['"a\\"b"', 'a"b'],
    ['$', '$'],
    ['a$/b', 'a$/b'],
  ];
  for (const [word, expected] of resolved) {
    it(`${word} -> ${JSON.stringify(expected)}`, () => assert.equal(value(word), expected));
  }

  it('uses the escape directive character', () => {
    assert.equal(value('`$A', '`'), '$A');
    assert.equal(value('\\$A', '`'), '\\a');
  });

  it('records the ARG defaults a value came from', () => {
    const exp = expandWord('img:$A-${A}', '\\', lookup);
    assert.ok(exp.ok);
    assert.deepEqual(exp.sources, [origin]);
  });
});

describe('expandWord: what stays unresolved, and why', () => {
  const unresolved: Array<[string, RegExp]> = [
    ['$U', /U is not declared/],
    ['${NOVAL}', /NOVAL has no default/],
    ['$ARCH', /ARCH is only known at build time/],
    ['${ARCH:-x}', /ARCH/],
    ['${VARIANT:+-v}', /VARIANT/],
    ['${U?}', /U must be set/],
    ['${E:?}', /E must not be empty/],
    ['${A%a}', /unsupported substitution \$\{A%a\}/],
    ['${A#a}', /unsupported substitution/],
    ['${A/a/b}', /unsupported substitution/],
    ['${A', /missing '}'/],
    ['${A:-x', /missing '}'/],
    ['${}', /bad substitution/],
    ['${:a}', /bad substitution/],
    ['${A^}', /unsupported modifier/],
    ['"open', /matching double-quote/],
    ["'open", /matching single-quote/],
    ['$1', /1 is not declared/],
    ['a$-b', /- is not declared/],
    ['${A:-'.repeat(100) + '}'.repeat(100), /nested too deeply/],
  ];
  for (const [word, expected] of unresolved) {
    it(`${word.slice(0, 30)} stays unresolved`, () => assert.match(reason(word), expected));
  }
});
