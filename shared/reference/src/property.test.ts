import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { describeReference, formatReference, parseReference } from './index.js';

// Arbitraries built from the grammar itself (distribution/reference regexp.go).
const lower = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
const alnum = fc.array(lower, { minLength: 1, maxLength: 6 }).map((a) => a.join(''));
const separator = fc.constantFrom('.', '_', '__', '-', '--');
const component = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 2 }))
  .map(([head, rest]) => head + rest.map(([s, a]) => s + a).join(''));
const path = fc.array(component, { minLength: 1, maxLength: 3 }).map((c) => c.join('/'));
const label = fc.array(lower, { minLength: 1, maxLength: 5 }).map((a) => a.join(''));
const domain = fc.oneof(
  fc.tuple(label, label).map(([a, b]) => `${a}.${b}`),
  fc.tuple(label, fc.integer({ min: 1, max: 65535 })).map(([a, p]) => `${a}:${p}`),
  fc.constant('localhost'),
  fc.integer({ min: 1, max: 65535 }).map((p) => `[fc00::1]:${p}`),
);
const tagChar = fc.constantFrom(...'abcXYZ019_.-'.split(''));
const tag = fc
  .tuple(fc.constantFrom('a', 'Z', '1', '_'), fc.array(tagChar, { maxLength: 20 }))
  .map(([h, t]) => h + t.join(''));
const hex = fc.array(fc.constantFrom(...'0123456789abcdef'.split('')), {
  minLength: 64,
  maxLength: 64,
});
const digest = hex.map((h) => `sha256:${h.join('')}`);

describe('reference parsing, property-based', () => {
  it('parses every reference the grammar generates into its parts', () => {
    fc.assert(
      fc.property(
        fc.option(domain, { nil: undefined }),
        path,
        fc.option(tag, { nil: undefined }),
        fc.option(digest, { nil: undefined }),
        (d, p, t, g) => {
          const input = `${d ? `${d}/` : ''}${p}${t ? `:${t}` : ''}${g ? `@${g}` : ''}`;
          // A bare 64-hex name is an image ID, rejected by design.
          fc.pre(!/^[a-f0-9]{64}$/.test(input));
          // Without a domain, a first component with "." or equal to localhost *is* the domain.
          const first = p.split('/')[0]!;
          fc.pre(
            d !== undefined || !p.includes('/') || (!first.includes('.') && first !== 'localhost'),
          );
          const r = parseReference(input);
          assert.ok(r.ok, `${input}: ${r.ok ? '' : r.error}`);
          assert.equal(r.ref.tag, t ?? null);
          assert.equal(r.ref.digest, g ?? null);
          if (d) assert.equal(r.ref.name, `${d}/${p}`);
          else assert.ok(r.ref.name.endsWith(p) && r.ref.domain === 'docker.io');
          // The normalised form is itself valid and stable.
          const again = parseReference(formatReference(r.ref));
          assert.ok(again.ok);
          assert.deepEqual(again.ref, r.ref);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws and always explains a rejection, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (input) => {
        const d = describeReference(input);
        assert.equal(typeof d.valid, 'boolean');
        if (!d.valid) assert.ok(d.error && d.error.length > 10);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects or accepts mutated references without throwing', () => {
    const mutate = fc.tuple(
      path,
      tag,
      fc.nat(40),
      fc.constantFrom('', '/', ':', '@', 'A', ' ', '..', '$', '\u00e9'),
    );
    fc.assert(
      fc.property(mutate, ([p, t, at, insert]) => {
        const base = `${p}:${t}`;
        const i = at % (base.length + 1);
        const d = describeReference(base.slice(0, i) + insert + base.slice(i));
        if (d.valid) assert.ok(d.name);
      }),
      { numRuns: 1000 },
    );
  });

  it('stays fast on long hostile input', () => {
    const d = describeReference('a'.repeat(3000) + '!');
    assert.equal(d.valid, false);
  });
});
