import { Webhooks } from '@octokit/webhooks';
import { RestackError } from '@restack/core';
import { z } from 'zod';
import type { PushChange } from './types.js';

/**
 * The part of a GitHub `push` webhook payload the graph reads.
 * @see https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
 */
export const pushPayloadSchema = z.looseObject({
  ref: z.string().min(1),
  before: z.string(),
  after: z.string().min(1),
  forced: z.boolean().optional(),
  deleted: z.boolean().optional(),
  repository: z.looseObject({ full_name: z.string().regex(/^[\w.-]+\/[\w.-]+$/) }),
  commits: z
    .array(
      z.looseObject({
        added: z.array(z.string()).default([]),
        modified: z.array(z.string()).default([]),
        removed: z.array(z.string()).default([]),
      }),
    )
    .default([]),
});

// GitHub lists at most 20 commits in a push payload; beyond that the files are unknown.
const MAX_LISTED_COMMITS = 20;

/**
 * Verifies the `X-Hub-Signature-256` of a push webhook with @octokit/webhooks
 * and reads which files it changed. Throws a RestackError on a bad signature
 * or payload; the payload is never logged.
 */
export async function verifyPush(
  secret: string,
  body: string,
  signature: string | undefined,
): Promise<PushChange> {
  const valid = signature
    ? await new Webhooks({ secret }).verify(body, signature).catch(() => false)
    : false;
  if (!valid) {
    throw new RestackError('sources.webhook-signature', 'push webhook signature does not match', {
      where: 'X-Hub-Signature-256',
      fix: 'configure the same webhook secret on GitHub and in restack',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    throw new RestackError('sources.webhook-payload', 'push webhook body is not JSON', {
      cause,
      where: 'push webhook',
    });
  }
  return pushChange(json);
}

/** A push payload (already verified) as a PushChange. */
export function pushChange(payload: unknown): PushChange {
  const parsed = pushPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RestackError(
      'sources.webhook-payload',
      `push webhook payload: ${issue?.message ?? 'invalid'}`,
      {
        where: `push webhook ${issue?.path.join('.') ?? ''}`,
        fix: 'send GitHub push events only to this endpoint',
      },
    );
  }
  const p = parsed.data;
  const complete = !p.forced && p.commits.length < MAX_LISTED_COMMITS && !/^0+$/.test(p.before);
  const paths = new Set<string>();
  for (const c of p.commits)
    for (const f of [...c.added, ...c.modified, ...c.removed]) paths.add(f);
  return {
    repository: p.repository.full_name,
    ref: p.ref,
    after: p.after,
    paths: complete ? [...paths].sort() : null,
  };
}
