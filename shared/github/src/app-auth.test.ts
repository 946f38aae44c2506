import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { createAppJwt, isAppRoute, parseAppPrivateKey } from './app-auth.js';

describe('createAppJwt', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

  it('signs an RS256 JWT GitHub accepts: iss, backdated iat, exp within ten minutes', () => {
    const now = Date.UTC(2030, 0, 1);
    const jwt = createAppJwt(123, parseAppPrivateKey(pem, 'test'), now);
    const [head = '', body = '', signature = ''] = jwt.split('.');
    const decode = (part: string) =>
      JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
    assert.deepEqual(decode(head), { alg: 'RS256', typ: 'JWT' });
    const claims = decode(body);
    assert.equal(claims.iss, '123');
    assert.equal(claims.iat, now / 1000 - 60);
    assert.ok(Number(claims.exp) - Number(claims.iat) <= 600);
    assert.ok(
      verify(
        'sha256',
        Buffer.from(`${head}.${body}`),
        publicKey,
        Buffer.from(signature, 'base64url'),
      ),
    );
  });

  it('refuses something that is not an RSA private key, without echoing it', () => {
    assert.throws(
      () => parseAppPrivateKey('-----BEGIN NONSENSE-----', 'github.auth.privateKeyPath'),
      (e: unknown) => {
        const err = e as { code: string; where: string; message: string };
        assert.equal(err.code, 'github.app-key-invalid');
        assert.equal(err.where, 'github.auth.privateKeyPath');
        assert.ok(!err.message.includes('NONSENSE'));
        return true;
      },
    );
  });
});

describe('isAppRoute', () => {
  it('knows which routes take the app JWT rather than an installation token', () => {
    assert.ok(isAppRoute('/app/installations/{installation_id}/access_tokens'));
    assert.ok(isAppRoute('/orgs/{org}/installation'));
    assert.ok(isAppRoute('https://ghe.example.com/api/v3/users/alice/installation'));
    assert.ok(isAppRoute('/repos/{owner}/{repo}/installation'));
    assert.ok(!isAppRoute('/repos/{owner}/{repo}'));
    assert.ok(!isAppRoute('/installation/repositories'));
    assert.ok(!isAppRoute('/repos/acme/app/contents/app/installation'));
  });
});
