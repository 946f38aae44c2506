import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextPage } from './tags.js';

describe('nextPage', () => {
  it('follows rel="next" on the same registry only', () => {
    assert.equal(
      nextPage('</v2/app/tags/list?last=b&n=2>; rel="next"'),
      '/v2/app/tags/list?last=b&n=2',
    );
    assert.equal(nextPage('<https://evil.example/v2/x>; rel="next"'), null);
    assert.equal(nextPage('</v2/app/tags/list?n=2>; rel="prev"'), null);
    assert.equal(nextPage(undefined), null);
  });
});
