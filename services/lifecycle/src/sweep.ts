import { encodeKvKey, type TypedKv } from '@restack/bus';
import { errorMessage, type Logger } from '@restack/core';
import type { Catalog, LifecycleConfig } from '@restack/eol';
import { createEvent, stableEventId, type RestackEvent } from '@restack/events';
import {
  catalogBaseRefs,
  catalogImages,
  dashboardIssues,
  deprecatedReport,
  effectivePolicies,
  evaluatePolicies,
  imageSubject,
  isoDay,
  owningRepository,
  syncDashboards,
  toAgeEntry,
  type AgeEntry,
  type DashboardIssuePort,
  type DeprecatedEntry,
  type GraphCatalog,
  type GraphDependencies,
  type ImageInspector,
  type Policy,
  type ScanSummary,
  type SourceLayout,
  type Verdict,
} from '@restack/lifecycle';
import type { RegistryClient } from '@restack/registry';
import { writeReports, type ReportSink } from './reports.js';
import type { SweepSummary, TagHistory, VerdictRecord } from './schema.js';
import { firstSeenSource, sightingsBaseHistory, type WatcherState } from './sightings.js';

/** What a sweep reads each time: the config's graph, catalog and policies. */
export interface SweepInputs {
  layout: SourceLayout;
  graph: GraphCatalog & GraphDependencies;
  policies: readonly Policy[];
  lifecycle?: LifecycleConfig;
}

export interface SweepPorts {
  inputs(): Promise<SweepInputs>;
  eolCatalog(): Promise<Catalog>;
  inspector: ImageInspector;
  registry: RegistryClient;
  sightings: TypedKv<TagHistory>;
  watcher: WatcherState | null;
  scans: TypedKv<ScanSummary>;
  verdicts: TypedKv<VerdictRecord>;
  reports: ReportSink;
  publish(event: RestackEvent): Promise<void>;
  dashboards?: DashboardIssuePort;
  clock(): Date;
  log: Logger;
}

/** The last FROM line of each Dockerfile: where image findings point. */
function lastFromLine(graph: GraphDependencies, dockerfile: string): number | null {
  const froms = (graph.dependencies.get(dockerfile) ?? []).filter((d) => d.kind === 'from');
  return froms.at(-1)?.line ?? null;
}

/**
 * One pass over the catalog: every image's age, drift and verdict, the
 * events they call for (`restack.image.stale` for age and drift rules with
 * action rebuild, `restack.image.deprecated` for end-of-life bases), and the
 * reports. Events already sent for a digest are not sent again.
 */
export async function sweep(ports: SweepPorts): Promise<Omit<SweepSummary, 'skipped'>> {
  const now = ports.clock();
  const inputs = await ports.inputs();
  const catalog = await ports.eolCatalog();
  const policies = effectivePolicies(inputs.policies);
  const baseRefs = catalogBaseRefs(inputs.graph);
  const sightingPorts = {
    sightings: ports.sightings,
    watcher: ports.watcher,
    registry: ports.registry,
    baseRefs: (image: { reference: string }) => baseRefs.get(image.reference) ?? [],
  };
  const imagePorts = {
    inspector: ports.inspector,
    firstSeen: firstSeenSource(sightingPorts, now),
    bases: sightingsBaseHistory(sightingPorts),
    scans: async (digest: string) => (await ports.scans.get(encodeKvKey(digest)))?.value ?? null,
  };
  const deprecated = deprecatedReport(inputs.layout, inputs.graph, {
    catalog,
    now,
    ...(inputs.lifecycle ? { lifecycle: inputs.lifecycle } : {}),
  });
  const age: AgeEntry[] = [];
  const stale: string[] = [];
  const deprecatedSent: string[] = [];
  for (const { image, dockerfile } of catalogImages(inputs.graph)) {
    const line = lastFromLine(inputs.graph, dockerfile);
    const subject = await imageSubject(image, imagePorts, now, {
      repository: owningRepository(inputs.layout, dockerfile),
      dockerfile: line === null ? null : { file: dockerfile, line },
    });
    age.push(toAgeEntry(subject, dockerfile));
    const verdict = evaluatePolicies(subject, policies, {
      now,
      catalog,
      ...(inputs.lifecycle ? { lifecycle: inputs.lifecycle } : {}),
      sources: [{ kind: 'eol-catalog', detail: `end-of-life catalog data of ${catalog.dataDate}` }],
    });
    const digest = subject.facts?.digest ?? null;
    const key = encodeKvKey(subject.reference);
    const published = new Set((await ports.verdicts.get(key))?.value.published ?? []);
    if (digest !== null) {
      const event = staleEvent(subject.reference, digest, verdict, subject.build, now);
      if (event && !published.has(`stale:${digest}`)) {
        await ports.publish(event);
        published.add(`stale:${digest}`);
        stale.push(subject.reference);
      }
      for (const e of deprecated.filter((x) => x.dockerfile === dockerfile && x.kind === 'from')) {
        const mark = `deprecated:${digest}:${e.ref}:${e.status}`;
        if (!['eol', 'deprecated', 'eol-soon'].includes(e.status) || published.has(mark)) continue;
        await ports.publish(deprecatedEvent(subject.reference, digest, e, now));
        published.add(mark);
        deprecatedSent.push(`${subject.reference} <- ${e.ref}`);
      }
    }
    await ports.verdicts.put(key, {
      image: subject.reference,
      digest,
      decision: verdict.decision,
      rebuild: verdict.rebuild,
      evaluatedAt: now.toISOString(),
      verdict,
      published: [...published].slice(-200),
    });
  }
  const reports = await writeReports(ports.reports, { deprecated, age, now });
  if (ports.dashboards) {
    try {
      const results = await syncDashboards(ports.dashboards, dashboardIssues(deprecated, age, now));
      ports.log.info({ dashboards: results.length }, 'dashboards synced');
    } catch (e) {
      ports.log.warn({ err: errorMessage(e) }, 'dashboard sync failed; reports are still current');
    }
  }
  ports.log.info(
    { images: age.length, stale: stale.length, deprecated: deprecatedSent.length },
    'lifecycle sweep done',
  );
  return {
    at: now.toISOString(),
    images: age.length,
    dockerfiles: inputs.graph.dependencies.size,
    stale,
    deprecated: deprecatedSent,
    reports,
  };
}

/**
 * `restack.image.stale` for an unwaived age or drift finding with action
 * rebuild. The event has no field naming the rule, so for a drift finding
 * `ageDays`/`maxAgeDays` carry the drift and its limit (how stale the base
 * inside the image is); an age finding, when there is one, wins.
 */
function staleEvent(
  image: string,
  digest: string,
  verdict: Verdict,
  build: { builtAt: string | null } | null,
  now: Date,
): RestackEvent | null {
  if (!build?.builtAt) return null;
  const fired = verdict.findings.filter(
    (f) =>
      f.action === 'rebuild' &&
      f.waived === null &&
      f.measured !== null &&
      (f.rule === 'maxAgeDays' || f.rule === 'maxBaseDriftDays'),
  );
  const chosen = fired.find((f) => f.rule === 'maxAgeDays') ?? fired[0];
  if (!chosen?.measured) return null;
  return createEvent(
    'restack.image.stale',
    {
      image,
      digest,
      builtAt: build.builtAt,
      ageDays: chosen.measured.value,
      maxAgeDays: chosen.measured.limit,
    },
    { id: stableEventId('restack.image.stale', image, digest), occurredAt: now },
  );
}

function deprecatedEvent(
  image: string,
  digest: string,
  e: DeprecatedEntry,
  now: Date,
): RestackEvent {
  const eolDate =
    e.since ??
    e.products
      .map((p) => p.eol)
      .filter((d): d is string => d !== null)
      .sort()[0] ??
    isoDay(now);
  return createEvent(
    'restack.image.deprecated',
    { image, digest, base: e.ref, eolDate, reason: e.reason },
    {
      id: stableEventId('restack.image.deprecated', image, digest, e.ref, e.status),
      occurredAt: now,
    },
  );
}
