import { RestackError } from '@restack/core';
import type { LoadedConfig } from '@restack/config';
import { planChange, type Graph } from '@restack/graph';
import { formatReference, parseReference, type ImageReference } from '@restack/reference';
import type { Pin } from './pin.js';
import { emptyReport, type TargetReport } from './report.js';
import { runTarget, type CampaignPorts } from './run-target.js';
import { targetsFor } from './targets.js';

export interface CampaignRequest {
  loaded: LoadedConfig;
  graph: Graph;
  /** The image that moved, e.g. `debian:bookworm`; with a digest, that digest is the new one. */
  changed: ImageReference;
  /** Plan and print, build nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface CampaignReport {
  /** The changed reference and the digest every direct dependent was pinned to. */
  changed: string;
  digest: string;
  targets: TargetReport[];
  /** Every target built and none failed verification. */
  ok: boolean;
}

/** Why a Dockerfile's descendants are not built. */
interface Failure {
  root: string;
  what: 'failed to build' | 'failed verification' | 'could not be verified';
}

/**
 * A whole campaign in one process, without NATS: plans the waves for
 * `changed`, resolves its current digest, then builds wave after wave, each
 * target pinned to the changed image's digest and to its rebuilt parents'
 * new digests, pushes, and rescans what it pushed. A target whose ancestor
 * failed (to build, or verification) is not built and says which one.
 */
export async function runCampaign(
  ports: CampaignPorts,
  request: CampaignRequest,
): Promise<CampaignReport> {
  const { graph, loaded } = request;
  const plan = planChange(graph, [request.changed]);
  const digest = await currentDigest(ports, request.changed);
  const changedPin: Pin = {
    ref: {
      ...request.changed,
      digest: request.changed.tag === null ? request.changed.digest : null,
    },
    digest,
  };
  const planned = new Set(plan.waves.flat());
  const rebuilt = new Map<string, string>();
  const failed = new Map<string, Failure>();
  const reports: TargetReport[] = [];
  const log = ports.logger.child({ changed: formatReference(request.changed), digest });
  log.info({ waves: plan.waves }, 'campaign planned');

  for (const [index, wave] of plan.waves.entries()) {
    log.info({ wave: index + 1, of: plan.waves.length, dockerfiles: wave }, 'wave started');
    const runs = wave.flatMap((dockerfile) => {
      const parents = graph.edges.filter(
        (e) => e.to === dockerfile && e.from !== dockerfile && planned.has(e.from),
      );
      const blocker = parents.map((e) => failed.get(e.from)).find((f) => f !== undefined);
      return targetsFor(loaded, graph, dockerfile).map((target) => {
        if (blocker) {
          const error = `not built: its ancestor ${blocker.root} ${blocker.what}`;
          const report = { ...emptyReport(target.dockerfile, target.image, target.tags), error };
          return Promise.resolve({ report, blocker });
        }
        const parentPins: Pin[] = [];
        const unpinnedParents: ImageReference[] = [];
        for (const edge of parents) {
          const parsed = parseReference(edge.ref);
          if (!parsed.ok) continue;
          const newDigest = rebuilt.get(parsed.ref.name);
          if (newDigest) parentPins.push({ ref: parsed.ref, digest: newDigest });
          else unpinnedParents.push(parsed.ref);
        }
        const report = runTarget(ports, {
          target,
          pins: [changedPin, ...parentPins],
          unpinnedParents,
          dryRun: request.dryRun ?? false,
          ...(request.signal ? { signal: request.signal } : {}),
        });
        return report.then((r) => ({ report: r, blocker: undefined }));
      });
    });
    const done = await Promise.all(runs);
    for (const { report, blocker } of done) {
      reports.push(report);
      if (blocker) failed.set(report.dockerfile, blocker);
      else if (report.error !== null || report.verified === false) {
        const what =
          report.error === null
            ? 'failed verification'
            : report.digest === null
              ? 'failed to build'
              : 'could not be verified';
        failed.set(report.dockerfile, { root: report.dockerfile, what });
      } else if (report.image !== null && report.digest !== null) {
        rebuilt.set(report.image, report.digest);
      }
    }
  }
  for (const message of plan.errors ?? []) {
    for (const dockerfile of message.slice(message.indexOf(': ') + 2).split(', ')) {
      reports.push({
        ...emptyReport(dockerfile, null, []),
        error: message.slice(0, message.indexOf(': ')),
      });
    }
  }
  const ok = reports.every((r) => r.error === null && r.verified !== false);
  return { changed: formatReference(request.changed), digest, targets: reports, ok };
}

/** The digest the changed reference names now: the one given, else the registry's answer. */
async function currentDigest(ports: CampaignPorts, changed: ImageReference): Promise<string> {
  if (changed.digest !== null) return changed.digest;
  const resolved = await ports.registry.resolve(changed);
  if (!resolved.ok) {
    throw new RestackError(
      'REBUILD_BASE_UNRESOLVED',
      `cannot find the current digest of ${formatReference(changed)}: ${resolved.reason}`,
      {
        where: formatReference(changed),
        fix: resolved.error.fix ?? 'check the reference and that its registry is reachable',
      },
    );
  }
  return resolved.value.digest;
}
