import type { Finding, Verdict } from './evaluate.js';
import { RULE_NAMES, type RuleName } from './schema.js';

/**
 * SARIF 2.1.0 (OASIS, errata 01): one run, one result per finding, with
 * the Dockerfile line as its location.
 * https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/sarif-v2.1.0-errata01-os-complete.html
 */
export const SARIF_SCHEMA_URI =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const RULE_TEXT: Record<RuleName, string> = {
  maxAgeDays: 'The image is older than the policy allows.',
  maxBaseDriftDays: 'The base tag moved past the image longer ago than the policy allows.',
  noEndOfLife: 'The image or its base is end of life or deprecated.',
  allowedBases: 'The base comes from a registry or repository the policy does not allow.',
  noLatest: 'The reference uses the moving latest tag.',
  nonRootUser: 'The container runs as root by default.',
  noExposedPorts: 'The image exposes a port the policy forbids (22 by default).',
  maxVulnerabilities: 'The latest scan found more vulnerabilities than the policy allows.',
  maxDaysSinceFix: 'A vulnerability has had a fix available for longer than the policy allows.',
};

const LEVEL = { deny: 'error', warn: 'warning', rebuild: 'warning' } as const;

export interface SarifOptions {
  toolVersion?: string;
  /** Absolute folder that Dockerfile paths are relative to (becomes %SRCROOT%). */
  sourceRoot?: string;
}

function uriOf(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

function location(f: Finding, subject: string): Record<string, unknown> {
  if (f.location) {
    return {
      physicalLocation: {
        artifactLocation: { uri: uriOf(f.location.file), uriBaseId: '%SRCROOT%' },
        ...(f.location.line !== null ? { region: { startLine: f.location.line } } : {}),
      },
    };
  }
  return { logicalLocations: [{ name: f.ref ?? subject, kind: 'resource' }] };
}

/** A SARIF log of verdicts, valid against the SARIF 2.1.0 JSON schema. */
export function toSarif(
  verdicts: readonly Verdict[],
  options: SarifOptions = {},
): Record<string, unknown> {
  const results = verdicts.flatMap((v) =>
    v.findings.map((f) => ({
      ruleId: f.rule,
      ruleIndex: RULE_NAMES.indexOf(f.rule),
      kind: 'fail',
      level: LEVEL[f.action],
      message: { text: `${f.message} [${f.policy}@${f.policyVersion}: ${f.action}]` },
      locations: [location(f, v.subject.name)],
      ...(f.waived
        ? {
            suppressions: [
              {
                kind: 'external',
                status: 'accepted',
                justification: `${f.waived.reason} (until ${f.waived.expires})`,
              },
            ],
          }
        : {}),
      properties: {
        subject: v.subject.name,
        policy: f.policy,
        policyVersion: f.policyVersion,
        action: f.action,
        ...(f.ref ? { ref: f.ref } : {}),
      },
    })),
  );
  const notifications = verdicts.flatMap((v) =>
    v.notEvaluated.map((n) => ({
      level: 'note',
      message: { text: `${n.policy}/${n.rule} not evaluated for ${v.subject.name}: ${n.reason}` },
      descriptor: { id: n.rule, index: RULE_NAMES.indexOf(n.rule) },
    })),
  );
  const evaluatedAt = verdicts[0]?.evaluatedAt;
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'restack',
            ...(options.toolVersion ? { version: options.toolVersion } : {}),
            rules: RULE_NAMES.map((id) => ({
              id,
              name: id,
              shortDescription: { text: RULE_TEXT[id] },
              defaultConfiguration: { level: 'warning' },
            })),
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            ...(evaluatedAt ? { endTimeUtc: evaluatedAt } : {}),
            toolExecutionNotifications: notifications,
          },
        ],
        ...(options.sourceRoot
          ? {
              originalUriBaseIds: {
                '%SRCROOT%': { uri: `file://${uriOf(options.sourceRoot.replace(/\/?$/, '/'))}` },
              },
            }
          : {}),
        results,
        properties: {
          verdicts: verdicts.map((v) => ({
            subject: v.subject.name,
            decision: v.decision,
            policies: v.policies,
            sources: v.sources,
          })),
        },
      },
    ],
  };
}
