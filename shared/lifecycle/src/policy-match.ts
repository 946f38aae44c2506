import { createHash } from 'node:crypto';
import { matchesReference } from '@restack/eol';
import { parseReference } from '@restack/reference';
import { dayNotPast } from './dates.js';
import type { Policy, PolicyException, RuleName } from './schema.js';
import type { Subject } from './subject.js';

/** `*` within a path component, `**` across them, `?` one character. */
export function globMatch(pattern: string, text: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`).test(text);
}

function imageMatches(pattern: string, image: string): boolean {
  const parsed = parseReference(image);
  return parsed.ok ? matchesReference(pattern, parsed.ref) : globMatch(pattern, image);
}

interface Selector {
  images?: string[] | undefined;
  repositories?: string[] | undefined;
  dockerfiles?: string[] | undefined;
}

/** True when any list of the selector names the subject; a selector with no lists names everything. */
export function selects(selector: Selector | undefined, subject: Subject): boolean {
  if (!selector || (!selector.images && !selector.repositories && !selector.dockerfiles))
    return true;
  const images = subject.kind === 'image' ? [subject.reference] : subject.images;
  const dockerfile = subject.kind === 'dockerfile' ? subject.file : subject.dockerfile?.file;
  return (
    (selector.images ?? []).some((p) => images.some((i) => imageMatches(p, i))) ||
    (selector.repositories ?? []).some(
      (p) => subject.repository !== null && globMatch(p, subject.repository),
    ) ||
    (selector.dockerfiles ?? []).some((p) => dockerfile !== undefined && globMatch(p, dockerfile))
  );
}

/** The policy's version as written, else a hash of its content, so every verdict names what it applied. */
export function policyVersion(policy: Policy): string {
  if (policy.version !== undefined) return policy.version;
  const { version: _ignored, ...rest } = policy;
  const hash = createHash('sha256').update(JSON.stringify(rest)).digest('hex');
  return `sha256:${hash.slice(0, 12)}`;
}

export interface ExceptionUse {
  policy: string;
  rules: RuleName[];
  expires: string;
  reason: string;
  status: 'applied' | 'expired';
}

/** The exceptions of a policy that name this subject and rule, split by whether they still apply at `now`. */
export function exceptionsFor(
  policy: Policy,
  rule: RuleName,
  subject: Subject,
  now: Date,
): { applied: PolicyException | null; expired: PolicyException[] } {
  const matching = policy.exceptions.filter((e) => e.rules.includes(rule) && selects(e, subject));
  const applied = matching.find((e) => dayNotPast(e.expires, now)) ?? null;
  return { applied, expired: matching.filter((e) => !dayNotPast(e.expires, now)) };
}
