import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { checkBearer } from './auth.js';

const req = (authorization?: string) =>
  ({ headers: authorization ? { authorization } : {} }) as IncomingMessage;

describe('checkBearer', () => {
  it('asks for a token, refuses a wrong one and accepts the right one', () => {
    assert.deepEqual(
      { ...checkBearer(req(), 's3cret'), message: undefined },
      { ok: false, status: 401, challenge: true, message: undefined },
    );
    assert.equal(checkBearer(req('Basic czNjcmV0'), 's3cret').ok, false);
    const wrong = checkBearer(req('Bearer nope'), 's3cret');
    assert.equal(wrong.ok, false);
    assert.equal(!wrong.ok && wrong.status, 403);
    // A prefix or a longer value is as wrong as any other (lengths differ, compare still runs).
    assert.equal(checkBearer(req('Bearer s3cre'), 's3cret').ok, false);
    assert.equal(checkBearer(req('Bearer s3cret0'), 's3cret').ok, false);
    assert.deepEqual(checkBearer(req('Bearer s3cret'), 's3cret'), { ok: true });
    assert.deepEqual(checkBearer(req('bearer   s3cret'), 's3cret'), { ok: true });
  });

  it('disables state-changing calls when no token is configured, and never echoes a token', () => {
    const r = checkBearer(req('Bearer anything'), undefined);
    assert.equal(!r.ok && r.status, 503);
    assert.doesNotMatch(
      JSON.stringify(checkBearer(req('Bearer hunter2'), 's3cret')),
      /hunter2|s3cret/,
    );
  });
});
