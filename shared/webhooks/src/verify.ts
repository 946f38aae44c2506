import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhooks } from '@octokit/webhooks';

/** Constant-time string comparison, so a wrong token leaks nothing through timing. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `sha256=<hex>` of an HMAC-SHA256 over the raw body: the generic form's signature. */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function verifyHmac(secret: string, body: Buffer, signature: string): boolean {
  return sameSecret(signature.trim(), signBody(secret, body));
}

const githubVerifiers = new Map<string, Webhooks>();

/**
 * GitHub's X-Hub-Signature-256, checked by @octokit/webhooks.
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
export async function verifyGithub(
  secret: string,
  body: Buffer,
  signature: string,
): Promise<boolean> {
  let verifier = githubVerifiers.get(secret);
  if (!verifier) {
    verifier = new Webhooks({ secret });
    githubVerifiers.set(secret, verifier);
  }
  try {
    return await verifier.verify(body.toString('utf8'), signature);
  } catch {
    // A malformed signature header throws; it is simply not a valid signature.
    return false;
  }
}
