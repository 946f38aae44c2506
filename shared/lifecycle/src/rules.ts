import {
  evaluateReference,
  matchesReference,
  type Catalog,
  type LifecycleConfig,
} from '@restack/eol';
import { parseReference, formatReference } from '@restack/reference';
import { isRootUser, parseExposedPorts } from './dockerfile-facts.js';
import { BASE_NAME_LABEL } from './facts.js';
import { globMatch } from './policy-match.js';
import { SEVERITIES, type PolicyRules, type RuleName } from './schema.js';
import type { ImageSubject, Subject } from './subject.js';

export interface Violation {
  message: string;
  /** The reference the violation is about, when there is one. */
  ref: string | null;
  /** The Dockerfile line, when the subject is (or is built from) a Dockerfile. */
  line: number | null;
  /** For limits: what was measured and the limit it broke (days, counts). */
  measured?: { value: number; limit: number };
}

/** A rule either ran (and found zero or more violations) or could not run, with the reason. */
export type RuleOutcome =
  | { evaluated: true; violations: Violation[]; source?: string }
  | { evaluated: false; reason: string };

export interface RuleContext {
  now: Date;
  catalog: Catalog;
  lifecycle?: LifecycleConfig;
}

type Rule<K extends RuleName> = (
  settings: NonNullable<PolicyRules[K]>,
  subject: Subject,
  ctx: RuleContext,
) => RuleOutcome;

const ran = (violations: Violation[], source?: string): RuleOutcome =>
  source === undefined ? { evaluated: true, violations } : { evaluated: true, violations, source };
const skip = (reason: string): RuleOutcome => ({ evaluated: false, reason });
const STATIC = 'a Dockerfile has no build time; check the built image with --image';

/** The base references a subject names, each with its Dockerfile line. */
function basesOf(subject: Subject): Array<{ ref: string; line: number | null }> | string {
  if (subject.kind === 'dockerfile') {
    return subject.facts.bases
      .filter((b) => b.ref !== null)
      .map((b) => ({ ref: b.ref!, line: b.line }));
  }
  const name = subject.facts?.labels[BASE_NAME_LABEL];
  if (!subject.facts) return `the image could not be read: ${subject.failure}`;
  if (!name) return `the image has no ${BASE_NAME_LABEL} label naming its base`;
  return [{ ref: name, line: subject.dockerfile?.line ?? null }];
}

/** The references whose lifecycle matters: the image itself and its base. */
function lifecycleRefs(subject: Subject): Array<{ ref: string; line: number | null }> {
  const bases = basesOf(subject);
  const list = typeof bases === 'string' ? [] : bases;
  return subject.kind === 'image' ? [{ ref: subject.reference, line: null }, ...list] : list;
}

function readable(subject: ImageSubject): string | null {
  return subject.facts ? null : `the image could not be read: ${subject.failure}`;
}

const maxAgeDays: Rule<'maxAgeDays'> = ({ days }, subject) => {
  if (subject.kind === 'dockerfile') return skip(STATIC);
  const problem = readable(subject);
  if (problem) return skip(problem);
  const b = subject.build;
  if (!b || b.ageDays === null)
    return skip(`the build time is unknown: ${b?.notes.join('; ') ?? 'not computed'}`);
  const over = b.ageDays > days;
  return ran(
    over
      ? [
          {
            message: `${subject.reference} is ${b.ageDays} days old (built ${b.builtAt}, ${b.clock} clock); the limit is ${days}`,
            ref: subject.reference,
            line: subject.dockerfile?.line ?? null,
            measured: { value: b.ageDays, limit: days },
          },
        ]
      : [],
    `build time from the ${b.clock} clock`,
  );
};

const maxBaseDriftDays: Rule<'maxBaseDriftDays'> = ({ days }, subject) => {
  if (subject.kind === 'dockerfile') return skip(STATIC);
  const problem = readable(subject);
  if (problem) return skip(problem);
  const d = subject.drift;
  if (!d || d.driftDays === null)
    return skip(`the base drift is unknown: ${d?.note ?? 'not computed'}`);
  return ran(
    d.driftDays > days
      ? [
          {
            message: `${d.base} moved past the image's base ${d.driftDays} days ago (${d.clock} clock); the limit is ${days}`,
            ref: d.base,
            line: subject.dockerfile?.line ?? null,
            measured: { value: d.driftDays, limit: days },
          },
        ]
      : [],
    `base ${d.base} matched by ${d.matchedBy}, ${d.clock} clock`,
  );
};

const noEndOfLife: Rule<'noEndOfLife'> = (settings, subject, ctx) => {
  const refs = lifecycleRefs(subject);
  if (refs.length === 0) {
    const bases = basesOf(subject);
    return skip(typeof bases === 'string' ? bases : 'no base reference could be read');
  }
  const violations: Violation[] = [];
  for (const { ref, line } of refs) {
    const e = evaluateReference(ref, {
      catalog: ctx.catalog,
      now: ctx.now,
      ...(ctx.lifecycle ? { config: ctx.lifecycle } : {}),
    });
    const flagged =
      e.status === 'eol' ||
      (e.status === 'deprecated' && settings.deprecated) ||
      (e.status === 'eol-soon' && settings.eolSoon);
    if (!flagged) continue;
    const instead = e.replacement ? `; use ${e.replacement}` : '';
    violations.push({ message: `${ref} is ${e.status}: ${e.reason}${instead}`, ref, line });
  }
  return ran(violations, `end-of-life catalog data of ${ctx.catalog.dataDate}`);
};

const allowedBases: Rule<'allowedBases'> = ({ registries, repositories }, subject) => {
  if (registries.length === 0 && repositories.length === 0)
    return skip('the rule lists no registries or repositories');
  const bases = basesOf(subject);
  if (typeof bases === 'string') return skip(bases);
  const violations = bases
    .filter(({ ref }) => {
      const parsed = parseReference(ref);
      if (!parsed.ok) return true;
      return !(
        registries.some((r) => globMatch(r, parsed.ref.domain)) ||
        repositories.some((r) => matchesReference(r, parsed.ref))
      );
    })
    .map(({ ref, line }) => ({
      message: `${ref} is not from an allowed registry or repository`,
      ref,
      line,
    }));
  return ran(violations);
};

function usesLatest(ref: string): boolean {
  const parsed = parseReference(ref);
  return (
    parsed.ok &&
    parsed.ref.digest === null &&
    (parsed.ref.tag === null || parsed.ref.tag === 'latest')
  );
}

const noLatest: Rule<'noLatest'> = (_settings, subject) => {
  return ran(
    lifecycleRefs(subject)
      .filter(({ ref }) => usesLatest(ref))
      .map(({ ref, line }) => {
        const parsed = parseReference(ref);
        const shown = parsed.ok ? formatReference(parsed.ref) : ref;
        return {
          message: `${shown} uses the moving "latest" tag; pin a version tag or a digest`,
          ref,
          line,
        };
      }),
  );
};

const nonRootUser: Rule<'nonRootUser'> = (_settings, subject) => {
  if (subject.kind === 'dockerfile') {
    const u = subject.facts.user;
    const lastFrom = subject.facts.bases.at(-1)?.line ?? null;
    if (u === null) {
      if (subject.facts.notes.some((n) => n.includes('USER')))
        return skip(subject.facts.notes.filter((n) => n.includes('USER')).join('; '));
      return ran([
        {
          message:
            "no USER instruction: the container runs as its base image's user, root unless the base sets another",
          ref: null,
          line: lastFrom,
        },
      ]);
    }
    return ran(
      isRootUser(u.value)
        ? [{ message: `USER ${u.value} runs the container as root`, ref: null, line: u.line }]
        : [],
    );
  }
  const problem = readable(subject);
  if (problem) return skip(problem);
  const user = subject.facts!.user;
  if (user === null)
    return skip(subject.facts!.configNote ?? 'the image config User could not be read');
  return ran(
    isRootUser(user)
      ? [
          {
            message: `${subject.reference} runs as ${user === '' ? 'root (no User set)' : `"${user}" (root)`}`,
            ref: subject.reference,
            line: subject.dockerfile?.line ?? null,
          },
        ]
      : [],
  );
};

const noExposedPorts: Rule<'noExposedPorts'> = ({ ports }, subject) => {
  let exposed: Array<{ from: number; to: number; protocol: string; line: number | null }>;
  if (subject.kind === 'dockerfile') exposed = subject.facts.exposed;
  else {
    const problem = readable(subject);
    if (problem) return skip(problem);
    if (subject.facts!.exposedPorts === null)
      return skip(subject.facts!.configNote ?? 'the image config ExposedPorts could not be read');
    exposed = parseExposedPorts(subject.facts!.exposedPorts).map((p) => ({
      ...p,
      line: subject.dockerfile?.line ?? null,
    }));
  }
  const violations: Violation[] = [];
  for (const e of exposed) {
    for (const port of ports.filter((p) => p >= e.from && p <= e.to)) {
      const range = e.from === e.to ? `${e.from}` : `${e.from}-${e.to}`;
      violations.push({
        message: `port ${port} is exposed (${range}/${e.protocol})`,
        ref: subject.kind === 'image' ? subject.reference : null,
        line: e.line,
      });
    }
  }
  return ran(violations);
};

const maxVulnerabilities: Rule<'maxVulnerabilities'> = (limits, subject) => {
  if (subject.kind === 'dockerfile')
    return skip('vulnerabilities are found by scanning a built image');
  const problem = readable(subject);
  if (problem) return skip(problem);
  const scan = subject.scan;
  if (!scan) return skip(`no scan of ${subject.facts!.digest} exists yet`);
  const over = SEVERITIES.filter((s) => limits[s] !== undefined && scan.counts[s] > limits[s]!);
  return ran(
    over.map((s) => ({
      message: `${scan.counts[s]} ${s} vulnerabilities (limit ${limits[s]}) found by ${scan.scanner} on ${scan.scannedAt}`,
      ref: subject.reference,
      line: subject.dockerfile?.line ?? null,
      measured: { value: scan.counts[s], limit: limits[s]! },
    })),
    `scan by ${scan.scanner} at ${scan.scannedAt}`,
  );
};

const DAY_MS = 86_400_000;

const maxDaysSinceFix: Rule<'maxDaysSinceFix'> = ({ days, severities }, subject, ctx) => {
  if (subject.kind === 'dockerfile')
    return skip('vulnerabilities are found by scanning a built image');
  const problem = readable(subject);
  if (problem) return skip(problem);
  const scan = subject.scan;
  if (!scan?.fixes)
    return skip(`no rescan with fix dates of ${subject.facts!.digest} exists yet (scanner.rescan)`);
  const violations: Violation[] = [];
  for (const f of scan.fixes) {
    if (!severities.includes(f.severity)) continue;
    const since = Math.floor((ctx.now.getTime() - Date.parse(f.fixSince)) / DAY_MS);
    if (since <= days) continue;
    violations.push({
      message: `${f.id} (${f.severity}) in ${f.package} has had a fix for ${since} days (since ${f.fixSince}); the limit is ${days}`,
      ref: subject.reference,
      line: subject.dockerfile?.line ?? null,
      measured: { value: since, limit: days },
    });
  }
  return ran(violations, `rescan by ${scan.scanner} at ${scan.scannedAt}`);
};

const RULES: { [K in RuleName]: Rule<K> } = {
  maxAgeDays,
  maxBaseDriftDays,
  noEndOfLife,
  allowedBases,
  noLatest,
  nonRootUser,
  noExposedPorts,
  maxVulnerabilities,
  maxDaysSinceFix,
};

/** Runs one rule of a policy against a subject. */
export function runRule<K extends RuleName>(
  name: K,
  settings: NonNullable<PolicyRules[K]>,
  subject: Subject,
  ctx: RuleContext,
): RuleOutcome {
  return RULES[name](settings, subject, ctx);
}
