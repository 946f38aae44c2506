import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { parseResponse, toGitHubError } from './errors.js';

/** A stand-in shaped like Octokit's RequestError, headers included. */
function requestError(status: number, data: unknown, headers: Record<string, string> = {}) {
  return Object.assign(new Error(`failed - https://docs.github.com/rest`), {
    status,
    request: { headers: { authorization: 'token ghp_secret' } },
    response: { headers, data },
  });
}

describe('toGitHubError', () => {
  it('gives each failure a stable code, the call and a fix', () => {
    const err = toGitHubError(requestError(404, { message: 'Not Found' }), 'GET /repos/a/b');
    assert.equal(err.code, 'github.not-found');
    assert.equal(err.where, 'GET /repos/a/b');
    assert.equal(err.message, 'GitHub answered 404: Not Found');
    assert.ok(err.fix);
  });

  it('keeps the detail of a validation failure', () => {
    const data = {
      message: 'Validation Failed',
      errors: [
        {
          resource: 'PullRequest',
          code: 'custom',
          message: 'A pull request already exists for a:b.',
        },
      ],
    };
    const err = toGitHubError(requestError(422, data), 'POST /repos/a/b/pulls');
    assert.equal(
      err.message,
      'GitHub answered 422: Validation Failed (A pull request already exists for a:b.)',
    );
  });

  it('recognises rate limits by status, header or message', () => {
    assert.equal(
      toGitHubError(requestError(429, { message: 'slow down' }), 'x').code,
      'github.rate-limited',
    );
    const primary = requestError(
      403,
      { message: 'API rate limit exceeded' },
      { 'x-ratelimit-remaining': '0' },
    );
    assert.equal(toGitHubError(primary, 'x').code, 'github.rate-limited');
    const secondary = requestError(403, { message: 'You have exceeded a secondary rate limit.' });
    assert.equal(toGitHubError(secondary, 'x').code, 'github.rate-limited');
    assert.equal(
      toGitHubError(requestError(403, { message: 'Forbidden' }), 'x').code,
      'github.forbidden',
    );
  });

  it('does not carry the request (and its token) along', () => {
    const err = toGitHubError(requestError(500, { message: 'boom' }), 'x');
    assert.equal(err.cause, undefined);
    assert.ok(!JSON.stringify(err).includes('ghp_secret'));
  });

  it('names an unreachable server as such', () => {
    assert.equal(toGitHubError(new TypeError('fetch failed'), 'x').code, 'github.unreachable');
  });
});

describe('parseResponse', () => {
  it('names the field that does not fit', () => {
    const schema = z.object({ object: z.object({ sha: z.string() }) });
    assert.throws(() => parseResponse(schema, { object: {} }, 'GET /x'), {
      code: 'github.unexpected-response',
      where: 'GET /x',
      message: /object\.sha/,
    });
  });
});
