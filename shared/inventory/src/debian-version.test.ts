import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareDebianVersions, splitDebianVersion } from './debian-version.js';

// [a, expected order, b], as `dpkg --compare-versions a lt|eq|gt b` answers.
const TABLE: Array<[string, '<' | '=' | '>', string]> = [
  ['1.0', '<', '1.1'],
  ['1.1', '>', '1.0'],
  ['1.0', '=', '1.0'],
  ['1.0', '<', '1.0.0'],
  ['1.2.10', '>', '1.2.9'],
  ['1.01', '=', '1.1'],
  ['1.0', '=', '1.0-0'],
  ['0:1.0', '=', '1.0'],
  ['1:0.9', '>', '2.0'],
  ['2:1.0', '>', '1:9.9'],
  ['1.0~rc1', '<', '1.0'],
  ['1.0~rc1', '<', '1.0~rc2'],
  ['1.0~~', '<', '1.0~'],
  ['1.0~', '<', '1.0'],
  ['1.0~~a', '<', '1.0~~b'],
  ['1.0a', '>', '1.0'],
  ['1.0a', '<', '1.0+'],
  ['1.0+dfsg', '>', '1.0'],
  ['1.0-1', '<', '1.0-2'],
  ['1.0-1', '<', '1.0.1-1'],
  ['1.0-10', '>', '1.0-9'],
  ['2.36-9', '<', '2.36-9+deb12u1'],
  ['2.36-9+deb12u1', '<', '2.36-9+deb12u10'],
  ['7.88.1-10+deb12u5', '<', '7.88.1-10+deb12u6'],
  ['3.0.11-1~deb12u2', '<', '3.0.11-1'],
  ['1.2.3-1ubuntu1', '>', '1.2.3-1'],
  ['1:2.38.1-5+deb12u1', '>', '2.40-1'],
  ['1.0-1-1', '>', '1.0-1'],
  ['a', '<', 'b'],
  ['A', '<', 'a'],
];

describe('compareDebianVersions', () => {
  for (const [a, op, b] of TABLE) {
    it(`${a} ${op} ${b}`, () => {
      const expected = op === '<' ? -1 : op === '>' ? 1 : 0;
      assert.equal(compareDebianVersions(a, b), expected);
      assert.equal(compareDebianVersions(b, a), -expected || 0);
    });
  }

  it('splits epoch, upstream and revision at the first colon and the last hyphen', () => {
    assert.deepEqual(splitDebianVersion('1:2.3-4-5'), {
      epoch: 1,
      upstream: '2.3-4',
      revision: '5',
    });
    assert.deepEqual(splitDebianVersion('2.36'), { epoch: 0, upstream: '2.36', revision: '' });
  });
});
