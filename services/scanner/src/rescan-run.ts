import { encodeKvKey, type TypedKv } from '@restack/bus';
import { errorMessage, type Logger } from '@restack/core';
import { createEvent, stableEventId, type RestackEvent } from '@restack/events';
import { readImage, type ImageSource } from '@restack/inventory';
import { parseReference } from '@restack/reference';
import {
  baseOf,
  compareSeverity,
  countBySeverity,
  exposureOf,
  fixableByBase,
  readBaseState,
  type BaseState,
  type SeenImage,
  type VulnerabilityScanner,
} from '@restack/scan';
import { firstSeenFix } from './fixes.js';
import type { FixSeen, RescanRecord } from './rescan-store.js';

/** Findings an event carries at most; the rest are counted in `omitted`. */
const MAX_FINDINGS = 200;

export interface RescanTarget {
  /** `registry.example/team/app:1` */
  ref: string;
  source: 'catalog' | 'admission';
  /** restack builds it (a catalog image), so a campaign can rebuild it. */
  buildable: boolean;
}

export interface RescanRunPorts {
  images: ImageSource;
  scanner: VulnerabilityScanner;
  insecure: (host: string) => boolean;
  /** The image's Dockerfile FROM references, for images without base labels. */
  baseRefs?: (ref: string) => Promise<readonly string[]>;
  rescans: TypedKv<RescanRecord>;
  fixes: TypedKv<FixSeen>;
  publish(event: RestackEvent): Promise<void>;
  clock(): Date;
  log: Logger;
  signal?: AbortSignal;
}

export interface RescanRunSummary {
  at: string;
  images: number;
  vulnerable: number;
  rebuilds: number;
  failed: Array<{ ref: string; error: string }>;
}

/** Catalog images (name x tags) and admission-seen images; a seen catalog image stays buildable. */
export async function rescanTargets(
  catalog: ReadonlyArray<{ name: string; tags: readonly string[] }>,
  seen: TypedKv<SeenImage> | null,
): Promise<RescanTarget[]> {
  const targets = new Map<string, RescanTarget>();
  const built = new Set(catalog.map((i) => i.name));
  for (const image of catalog) {
    for (const tag of image.tags) {
      const ref = `${image.name}:${tag}`;
      targets.set(ref, { ref, source: 'catalog', buildable: true });
    }
  }
  for (const key of seen ? await seen.keys() : []) {
    const entry = await seen!.get(key);
    if (!entry || targets.has(entry.value.image)) continue;
    const parsed = parseReference(entry.value.image);
    const buildable = parsed.ok && built.has(parsed.ref.name);
    targets.set(entry.value.image, { ref: entry.value.image, source: 'admission', buildable });
  }
  return [...targets.values()];
}

/**
 * One scheduled rescan of every target: resolve, scan, judge each finding
 * against the base's current digest, keep the result, and publish
 * restack.image.vulnerable for an image with findings. A failing image is
 * logged and counted; the others go on. `shouldContinue` is asked between
 * images (the lease is still ours).
 */
export async function runRescan(
  ports: RescanRunPorts,
  targets: readonly RescanTarget[],
  shouldContinue: () => Promise<boolean> = async () => true,
): Promise<RescanRunSummary> {
  const runAt = ports.clock();
  const summary: RescanRunSummary = {
    at: runAt.toISOString(),
    images: 0,
    vulnerable: 0,
    rebuilds: 0,
    failed: [],
  };
  const done = new Set<string>();
  const bases = new Map<string, Promise<BaseState>>();
  for (const target of targets) {
    if (ports.signal?.aborted || !(await shouldContinue())) break;
    try {
      const record = await rescanOne(ports, target, runAt, done, bases);
      if (!record) continue;
      summary.images++;
      if (record.findings.length > 0) summary.vulnerable++;
      if (record.rebuild.started) summary.rebuilds++;
    } catch (e) {
      const error = errorMessage(e);
      summary.failed.push({ ref: target.ref, error });
      ports.log.warn({ image: target.ref, err: error }, 'rescan of an image failed');
    }
  }
  ports.log.info({ ...summary, failed: summary.failed.length }, 'scheduled rescan finished');
  return summary;
}

async function rescanOne(
  ports: RescanRunPorts,
  target: RescanTarget,
  runAt: Date,
  done: Set<string>,
  bases: Map<string, Promise<BaseState>>,
): Promise<RescanRecord | null> {
  const image = await readImage(ports.images, target.ref);
  const pinned = `${image.reference.name}@${image.digest}`;
  if (done.has(pinned)) return null; // Another tag of the same image, already scanned in this run.
  done.add(pinned);
  const report = await ports.scanner.scan(pinned, {
    insecure: ports.insecure(image.reference.domain),
    ...(ports.signal ? { signal: ports.signal } : {}),
  });
  const now = ports.clock();
  // The Dockerfile's FROM is asked for only when the image carries no base labels.
  const base =
    baseOf(image.config) ?? baseOf(image.config, (await ports.baseRefs?.(target.ref)) ?? []);
  let state: BaseState | null = null;
  let baseNote: string | null = null;
  if (base) {
    const key = `${base.ref}\0${base.builtOn ?? image.config.rootfs.diff_ids.join(',')}`;
    if (!bases.has(key)) {
      bases.set(key, readBaseState({ ...ports, scanner: ports.scanner }, image.config, base));
    }
    try {
      state = await bases.get(key)!;
    } catch (e) {
      baseNote = `the base ${base.ref} could not be read: ${errorMessage(e)}`;
    }
  }
  const findings = [];
  for (const v of report.vulnerabilities) {
    const firstSeen = v.fixedVersion === null ? null : await firstSeenFix(ports.fixes, v, now);
    const exposure = exposureOf(v, now, firstSeen);
    findings.push({
      id: v.id,
      package: v.package,
      installed: v.installedVersion,
      fixedVersion: v.fixedVersion,
      severity: v.severity,
      publishedAt: v.publishedAt ?? null,
      ...exposure,
      fixableByBase: fixableByBase(v, state),
    });
  }
  findings.sort(
    (a, b) =>
      Number(b.fixableByBase.fixable) - Number(a.fixableByBase.fixable) ||
      compareSeverity(a.severity, b.severity),
  );
  const fixable = findings.filter((f) => f.fixableByBase.fixable);
  const campaignId = `vulnerable:${target.ref}@${image.digest}`;
  const rebuild =
    fixable.length > 0 && target.buildable
      ? {
          started: true,
          reason: `${fixable.length} finding(s) fixed by the newer base ${state!.ref}@${state!.current}: ${fixable
            .slice(0, 5)
            .map((f) => f.id)
            .join(', ')}`,
          campaignId,
        }
      : { started: false, reason: whyNot(findings.length, fixable.length, state, baseNote) };
  const record: RescanRecord = {
    image: target.ref,
    digest: image.digest,
    source: target.source,
    scanner: report.scanner,
    scannerVersion: report.scannerVersion,
    databaseUpdatedAt: report.databaseUpdatedAt,
    scannedAt: now.toISOString(),
    base: state
      ? {
          ref: state.ref,
          source: state.source,
          builtOn: state.builtOn,
          current: state.current,
          newer: state.newer,
          notes: state.notes,
        }
      : null,
    counts: countBySeverity(report.vulnerabilities),
    findings: findings.slice(0, MAX_FINDINGS),
    omitted: Math.max(0, findings.length - MAX_FINDINGS),
    rebuild,
  };
  await ports.rescans.put(encodeKvKey(target.ref), record);
  if (findings.length > 0) {
    await ports.publish(
      createEvent('restack.image.vulnerable', record, {
        // One event per image, digest and run: a retried run does not send it twice.
        id: stableEventId(
          'restack.image.vulnerable',
          target.ref,
          image.digest,
          runAt.toISOString(),
        ),
        ...(rebuild.started ? { campaignId } : {}),
        occurredAt: now,
      }),
    );
  }
  ports.log.info(
    {
      image: target.ref,
      digest: image.digest,
      findings: findings.length,
      fixable: fixable.length,
      rebuild: rebuild.started,
    },
    'image rescanned',
  );
  return record;
}

function whyNot(
  total: number,
  fixable: number,
  base: BaseState | null,
  baseNote: string | null,
): string {
  if (total === 0) return 'no vulnerabilities found';
  if (fixable > 0) {
    return `${fixable} finding(s) are fixed by the newer base, but restack does not build this image (it is not in images[])`;
  }
  if (baseNote) return baseNote;
  if (!base)
    return 'the image names no base (no base label, no known FROM), so nothing to rebuild on';
  if (!base.newer)
    return `the base ${base.ref} has no newer digest than the one the image was built on`;
  return `the newer base ${base.ref}@${base.current} does not fix any finding`;
}
