import { loadCatalog, type Catalog } from '@restack/eol';
import {
  RULE_NAMES,
  createRegistryBaseHistory,
  createRegistryInspector,
  evaluatePolicies,
  imageSubject,
  policyVersion,
  type DataSource,
  type ImageFacts,
  type ImageSubject,
  type Policy,
  type Verdict,
} from '@restack/lifecycle';
import { RestackError } from '@restack/core';
import { verifyBaseOf } from './base-check.js';
import type { PromotionRequest, PromotionVerdict } from './types.js';

/** The gate's own checks are versioned like a policy, so an audit can tell which logic ran. */
export const GATE_POLICY = 'restack';
export const GATE_VERSION = '1';

export interface GateInput extends PromotionRequest {
  /** The staged manifest the copy will write: its digest and, for an index, per-platform digests. */
  staged: { digest: string; platforms: Record<string, string> | null };
  /** Defaults to the bundled end-of-life catalog. */
  eol?: Catalog;
  /** Extra audit sources, e.g. the config file the policies came from. */
  sources?: DataSource[];
}

/**
 * Evaluates the policies and base verification on every platform of the
 * staged image. Returns one verdict per (policy, rule[, platform]).
 */
export async function runGate(input: GateInput): Promise<PromotionVerdict[]> {
  const eol = input.eol ?? (await loadCatalog());
  const platforms = input.staged.platforms ? Object.keys(input.staged.platforms).sort() : [null];
  const multi = platforms.length > 1;
  const scanner = input.scan
    ? { name: input.scan.scanner, databaseUpdatedAt: input.scan.databaseUpdatedAt }
    : null;
  const scanSource: DataSource = input.scan
    ? {
        kind: 'scan',
        detail: `${input.scan.scanner}, database of ${input.scan.databaseUpdatedAt ?? 'unknown date'}`,
      }
    : { kind: 'scan', detail: 'no scan: vulnerability rules cannot be evaluated' };
  const out: PromotionVerdict[] = [];
  for (const platform of platforms) {
    const prefix = multi && platform ? `[${platform}] ` : '';
    const subject = await subjectOf(input, platform);
    const wanted = platform ? input.staged.platforms![platform] : input.staged.digest;
    if (subject.facts && wanted && subject.facts.digest !== wanted) {
      throw new RestackError(
        'promote.staging-moved',
        `${input.image} moved while it was being promoted (now ${subject.facts.digest}, was ${wanted})`,
        { where: input.image, fix: 'promote by digest (name@sha256:...) or retry' },
      );
    }
    const registrySource: DataSource = {
      kind: 'registry',
      detail: `${input.image}@${subject.facts?.digest ?? input.staged.digest}${platform ? ` (${platform})` : ''}`,
    };
    const verdict = evaluatePolicies(subject, input.policies, {
      now: input.now,
      catalog: eol,
      ...(input.lifecycle ? { lifecycle: input.lifecycle } : {}),
      sources: [
        ...(input.sources ?? []),
        { kind: 'eol-catalog', detail: `end-of-life catalog data of ${eol.dataDate}` },
        registrySource,
        scanSource,
      ],
    });
    const sources = verdict.sources.map((s) => ({ kind: s.kind, detail: s.detail }));
    const audit = { scanner, sources };
    out.push(...policyVerdicts(verdict, input.policies, audit, prefix));
    const base = await baseVerdict(input, subject.facts, platform);
    out.push({
      policy: GATE_POLICY,
      rule: 'baseVerified',
      result: base.result,
      message: prefix + base.message,
      policyVersion: GATE_VERSION,
      ...audit,
    });
  }
  return out;
}

async function subjectOf(input: GateInput, platform: string | null): Promise<ImageSubject> {
  const inspector = createRegistryInspector({
    registry: input.registry,
    ...(platform ? { platform } : {}),
  });
  const scan = input.scan;
  const subject = await imageSubject(
    input.image,
    {
      inspector,
      // Base history reads every base tag's registry: only when a drift rule needs it.
      ...(input.policies.some((p) => p.rules.maxBaseDriftDays)
        ? { bases: createRegistryBaseHistory(input.registry, () => input.baseRefs ?? []) }
        : {}),
      scans: async (digest) =>
        scan
          ? {
              image: input.image,
              digest,
              scanner: scan.scanner,
              scannedAt:
                scan.scannedAt ??
                `an unknown time (database of ${scan.databaseUpdatedAt ?? 'unknown date'})`,
              counts: scan.counts,
              ...(scan.fixes ? { fixes: scan.fixes } : {}),
            }
          : null,
    },
    input.now,
  );
  if (!subject.facts) {
    throw new RestackError(
      'promote.image-unreadable',
      `cannot read ${input.image}: ${subject.failure}`,
      {
        where: input.image,
        fix: 'check the reference and that the registry is reachable with your credentials',
      },
    );
  }
  return subject;
}

type Audit = Pick<PromotionVerdict, 'scanner' | 'sources'>;

/** One verdict per rule of every applied policy: fail, warn, pass or not-evaluated. */
function policyVerdicts(
  verdict: Verdict,
  policies: readonly Policy[],
  audit: Audit,
  prefix: string,
): PromotionVerdict[] {
  const out: PromotionVerdict[] = [];
  if (verdict.policies.length === 0) {
    out.push({
      policy: GATE_POLICY,
      rule: 'policies',
      result: 'not-evaluated',
      message: `${prefix}no policy selects this image`,
      policyVersion: GATE_VERSION,
      ...audit,
    });
  }
  for (const applied of verdict.policies) {
    const policy = policies.find((p) => p.name === applied.name);
    if (!policy) continue;
    for (const rule of RULE_NAMES) {
      if (!policy.rules[rule]) continue;
      // Key order is the JSON output's: what decided first, the audit trail after.
      const row = (result: PromotionVerdict['result'], message: string): PromotionVerdict => ({
        policy: policy.name,
        rule,
        result,
        message,
        policyVersion: policyVersion(policy),
        ...audit,
      });
      const skipped = verdict.notEvaluated.find((n) => n.policy === policy.name && n.rule === rule);
      if (skipped) {
        out.push(row('not-evaluated', prefix + skipped.reason));
        continue;
      }
      const findings = verdict.findings.filter((f) => f.policy === policy.name && f.rule === rule);
      if (findings.length === 0) {
        out.push(row('pass', `${prefix}no violation`));
        continue;
      }
      for (const f of findings) {
        if (f.waived) {
          const note = `waived until ${f.waived.expires}: ${f.waived.reason}`;
          out.push(row('pass', `${prefix}${f.message} (${note})`));
        } else {
          // A `rebuild` action asks for a rebuild; it does not block promotion.
          const result = f.action === 'deny' ? 'fail' : 'warn';
          out.push(row(result, prefix + f.message));
        }
      }
    }
  }
  return out;
}

async function baseVerdict(
  input: GateInput,
  facts: ImageFacts | null,
  platform: string | null,
): Promise<{ result: PromotionVerdict['result']; message: string }> {
  if (input.scan && input.scan.baseVerified !== null) {
    if (input.scan.baseVerified) return { result: 'pass', message: 'the scan verified the base' };
    const why = input.scan.verificationReasons?.join('; ') || 'no reason given';
    return { result: 'fail', message: `the scan could not verify the base: ${why}` };
  }
  if (!facts) return { result: 'not-evaluated', message: 'the image could not be read' };
  return verifyBaseOf(input.registry, facts, input.baseRefs ?? [], platform);
}
