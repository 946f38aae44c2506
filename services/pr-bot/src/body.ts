import type { EventData } from '@restack/events';

type Request = EventData<'restack.pr.requested'>;

const REASONS = {
  'digest-changed': 'the base tag now points at a new digest',
  stale: 'the image is older than its age policy allows',
  'end-of-life': 'the base image reached end of life',
  vulnerable: "a rescan found vulnerabilities the base's newer digest fixes",
} as const;

function short(digest: string | null): string {
  if (digest === null) return 'none';
  const [algo, hex = ''] = digest.split(':');
  return `${algo}:${hex.slice(0, 12)}`;
}

export function bumpsOf(r: Request) {
  return r.bumps ?? [{ ref: r.baseRef, fromDigest: r.fromDigest, digest: r.toDigest }];
}

export function filesOf(r: Request): string[] {
  return r.dockerfiles ?? [r.dockerfile];
}

export function prTitle(r: Request): string {
  const b = bumpsOf(r)[0]!;
  return `Rebuild on ${b.ref} (${short(b.digest)})`;
}

export function commitMessage(template: string, r: Request): string {
  const b = bumpsOf(r)[0]!;
  const values: Record<string, string> = {
    ref: b.ref,
    digest: b.digest,
    campaign: r.campaignId,
    files: filesOf(r).join(', '),
  };
  return template.replace(/\{(\w+)\}/g, (all, k: string) => values[k] ?? all);
}

export const SCAN_MARKER = '<!-- restack:scan -->';

/** Explains the change; never contains anything but references, digests and names. */
export function prBody(r: Request, scan?: string): string {
  const ctx = r.context;
  const rows = bumpsOf(r).flatMap((b) => [
    `| Base | \`${b.ref}\` |`,
    `| Old digest | \`${b.fromDigest ?? 'not pinned before'}\` |`,
    `| New digest | \`${b.digest}\` |`,
  ]);
  const lines = [
    `restack rebuilds ${filesOf(r)
      .map((f) => `\`${f}\``)
      .join(', ')} on a new base.`,
    '',
    '| | |',
    '|---|---|',
    ...rows,
    ...(ctx?.firstSeenAt ? [`| New digest first seen | ${ctx.firstSeenAt} |`] : []),
    `| Why | ${REASONS[ctx?.reason ?? 'digest-changed']} |`,
    `| Campaign | \`${r.campaignId}\`${ctx ? `, wave ${ctx.wave + 1} of ${ctx.waves}` : ''} |`,
    ...(ctx ? [`| Trigger | \`${ctx.trigger}\` |`] : []),
    '',
    ctx && ctx.downstream.length > 0
      ? `After this merges, these rebuild next:\n${ctx.downstream.map((d) => `- \`${d}\``).join('\n')}`
      : 'Nothing else rebuilds after this one.',
    '',
    SCAN_MARKER,
    scan ?? 'Package and vulnerability changes: pending the scan of the rebuilt image.',
  ];
  return lines.join('\n');
}

type Scan = EventData<'restack.scan.completed'>;

export function scanSection(scan: Scan): string {
  const v = scan.vulnerabilities;
  return [
    `Scan of \`${scan.image}@${short(scan.digest)}\` by ${scan.scanner}:`,
    `new base ${scan.baseVerified ? 'is' : 'is NOT'} in the image; vulnerabilities: ` +
      `${v.critical} critical, ${v.high} high, ${v.medium} medium, ${v.low} low, ${v.unknown} unknown.`,
  ].join('\n');
}

/** Replaces what follows the scan marker, keeping the rest of a body restack wrote. */
export function withScan(body: string, section: string): string {
  const i = body.indexOf(SCAN_MARKER);
  return i === -1
    ? `${body}\n\n${SCAN_MARKER}\n${section}`
    : `${body.slice(0, i + SCAN_MARKER.length)}\n${section}`;
}
