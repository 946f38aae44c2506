import { overallDecision, type Verdict } from './evaluate.js';
import { mdCell } from './report-format.js';

export const CHECK_FORMATS = ['text', 'json', 'sarif', 'markdown'] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

/** One block per subject: its decision, then each finding with its line and policy. */
export function checkText(verdicts: readonly Verdict[]): string {
  const lines: string[] = [];
  for (const v of verdicts) {
    lines.push(
      `${v.decision.toUpperCase().padEnd(4)}  ${v.subject.name}${v.rebuild ? '  (rebuild requested)' : ''}`,
    );
    for (const f of v.findings) {
      const at = f.location?.line ? `line ${f.location.line}: ` : '';
      const waived = f.waived ? ` (waived until ${f.waived.expires}: ${f.waived.reason})` : '';
      lines.push(`      ${at}[${f.action}] ${f.policy}/${f.rule}: ${f.message}${waived}`);
    }
    for (const n of v.notEvaluated)
      lines.push(`      [skipped] ${n.policy}/${n.rule}: ${n.reason}`);
  }
  const policies = [
    ...new Set(verdicts.flatMap((v) => v.policies.map((p) => `${p.name}@${p.version}`))),
  ];
  lines.push(
    '',
    `${overallDecision(verdicts)}: ${verdicts.length} checked; policies ${policies.join(', ') || 'none'}`,
  );
  return lines.join('\n') + '\n';
}

export function checkMarkdown(verdicts: readonly Verdict[]): string {
  const rows = verdicts.flatMap((v) =>
    v.findings.map((f) => [
      v.subject.name + (f.location?.line ? `:${f.location.line}` : ''),
      f.waived ? `${f.action} (waived)` : f.action,
      `${f.policy}@${f.policyVersion}`,
      f.rule,
      f.message,
    ]),
  );
  const out = [
    `# restack check: ${overallDecision(verdicts)}`,
    '',
    ...verdicts.map((v) => `- **${v.decision}** \`${v.subject.name}\``),
    '',
  ];
  if (rows.length) {
    out.push('| where | action | policy | rule | finding |', '| --- | --- | --- | --- | --- |');
    for (const r of rows) out.push(`| ${r.map(mdCell).join(' | ')} |`);
    out.push('');
  }
  return out.join('\n');
}
