import { exceptionsFor, policyVersion, selects, type ExceptionUse } from './policy-match.js';
import { runRule, type RuleContext } from './rules.js';
import { RULE_NAMES, type Policy, type PolicyAction, type RuleName } from './schema.js';
import { subjectName, type Subject } from './subject.js';

export const DECISIONS = ['pass', 'warn', 'deny'] as const;
export type Decision = (typeof DECISIONS)[number];

export interface Finding {
  policy: string;
  policyVersion: string;
  rule: RuleName;
  action: PolicyAction;
  message: string;
  ref: string | null;
  /** Where in a Dockerfile, when known. */
  location: { file: string; line: number | null } | null;
  /** For limit rules: the measured value and the limit (days, counts). */
  measured: { value: number; limit: number } | null;
  /** An unexpired exception waives it: it is reported but decides nothing. */
  waived: { reason: string; expires: string } | null;
}

/** Where a verdict's facts came from. */
export interface DataSource {
  kind:
    | 'dockerfile'
    | 'registry'
    | 'eol-catalog'
    | 'build-clock'
    | 'base-history'
    | 'scan'
    | 'clock'
    | 'config';
  detail: string;
}

export interface Verdict {
  subject: {
    kind: Subject['kind'];
    name: string;
    repository: string | null;
    digest: string | null;
  };
  decision: Decision;
  /** A `rebuild` rule fired without a waiver: the lifecycle service starts a rebuild. */
  rebuild: boolean;
  findings: Finding[];
  /** Why the subject could not be (fully) read: an unreachable registry, a Dockerfile error. */
  problems: string[];
  /** Rules that applied but could not be evaluated, and why. */
  notEvaluated: Array<{ policy: string; rule: RuleName; reason: string }>;
  exceptions: ExceptionUse[];
  policies: Array<{ name: string; version: string }>;
  sources: DataSource[];
  evaluatedAt: string;
}

export interface EvaluateContext extends RuleContext {
  /** Sources the caller used to build the subject (config file, registry, clock). */
  sources?: DataSource[];
}

/** Evaluates every policy that applies to the subject. */
export function evaluatePolicies(
  subject: Subject,
  policies: readonly Policy[],
  ctx: EvaluateContext,
): Verdict {
  const findings: Finding[] = [];
  const notEvaluated: Verdict['notEvaluated'] = [];
  const exceptions: ExceptionUse[] = [];
  const sources = new Map<string, DataSource>();
  const addSource = (s: DataSource) => sources.set(`${s.kind}\n${s.detail}`, s);
  for (const s of ctx.sources ?? []) addSource(s);
  addSource({ kind: 'clock', detail: ctx.now.toISOString() });
  if (subject.kind === 'dockerfile') addSource({ kind: 'dockerfile', detail: subject.file });

  const applied = policies.filter((p) => selects(p.match, subject));
  for (const policy of applied) {
    const version = policyVersion(policy);
    for (const rule of RULE_NAMES) {
      const settings = policy.rules[rule];
      if (!settings) continue;
      const outcome = runRule(rule, settings as never, subject, ctx);
      if (!outcome.evaluated) {
        notEvaluated.push({ policy: policy.name, rule, reason: outcome.reason });
        continue;
      }
      if (outcome.source) addSource({ kind: sourceKind(rule), detail: outcome.source });
      if (outcome.violations.length === 0) continue;
      const { applied: waiver, expired } = exceptionsFor(policy, rule, subject, ctx.now);
      for (const e of expired)
        exceptions.push({
          policy: policy.name,
          rules: e.rules,
          expires: e.expires,
          reason: e.reason,
          status: 'expired',
        });
      if (waiver)
        exceptions.push({
          policy: policy.name,
          rules: waiver.rules,
          expires: waiver.expires,
          reason: waiver.reason,
          status: 'applied',
        });
      for (const v of outcome.violations) {
        const file =
          subject.kind === 'dockerfile' ? subject.file : (subject.dockerfile?.file ?? null);
        const expiredNote =
          !waiver && expired[0]
            ? ` (exception expired on ${expired[0].expires}; it no longer applies)`
            : '';
        findings.push({
          policy: policy.name,
          policyVersion: version,
          rule,
          action: settings.action,
          message: v.message + expiredNote,
          ref: v.ref,
          measured: v.measured ?? null,
          location: file === null ? null : { file, line: v.line },
          waived: waiver ? { reason: waiver.reason, expires: waiver.expires } : null,
        });
      }
    }
  }
  const active = findings.filter((f) => f.waived === null);
  const decision: Decision = active.some((f) => f.action === 'deny')
    ? 'deny'
    : active.length > 0
      ? 'warn'
      : 'pass';
  return {
    subject: {
      kind: subject.kind,
      name: subjectName(subject),
      repository: subject.repository,
      digest: subject.kind === 'image' ? (subject.facts?.digest ?? null) : null,
    },
    decision,
    rebuild: active.some((f) => f.action === 'rebuild'),
    findings,
    problems:
      subject.kind === 'image'
        ? subject.failure
          ? [subject.failure]
          : []
        : subject.facts.errors.map(
            (e) => `${subject.file}${e.line ? `:${e.line}` : ''}: ${e.message}`,
          ),
    notEvaluated,
    exceptions: dedupe(exceptions),
    policies: applied.map((p) => ({ name: p.name, version: policyVersion(p) })),
    sources: [...sources.values()],
    evaluatedAt: ctx.now.toISOString(),
  };
}

function sourceKind(rule: RuleName): DataSource['kind'] {
  if (rule === 'noEndOfLife') return 'eol-catalog';
  if (rule === 'maxAgeDays') return 'build-clock';
  if (rule === 'maxBaseDriftDays') return 'base-history';
  if (rule === 'maxVulnerabilities' || rule === 'maxDaysSinceFix') return 'scan';
  return 'registry';
}

function dedupe(list: ExceptionUse[]): ExceptionUse[] {
  const seen = new Map<string, ExceptionUse>();
  for (const e of list) seen.set(JSON.stringify(e), e);
  return [...seen.values()];
}

/** The worst decision of several verdicts. */
export function overallDecision(verdicts: readonly Verdict[]): Decision {
  return verdicts.some((v) => v.decision === 'deny')
    ? 'deny'
    : verdicts.some((v) => v.decision === 'warn')
      ? 'warn'
      : 'pass';
}
