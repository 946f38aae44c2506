import { errorMessage, type Logger } from '@restack/core';
import type { ImageEngine } from '@restack/engine';
import { readImage, verifyBase, type ImageSource } from '@restack/inventory';
import { parseReference, type ImageReference } from '@restack/reference';
import type { RegistryClient } from '@restack/registry';
import { rescanImage, type VulnerabilityScanner } from '@restack/scan';
import { localBuildSource, type BuildSource } from './build-source.js';
import { buildTarget } from './build-target.js';
import type { EngineCredentials } from './credentials.js';
import { baseName, basePin, finalBase, pinDockerfile, type Pin } from './pin.js';
import { emptyReport, summariseVulnerabilities, type TargetReport } from './report.js';
import type { CampaignTarget } from './targets.js';

export interface CampaignPorts {
  /** null for a dry run, which builds nothing. */
  engine: ImageEngine | null;
  /** Resolves the changed reference and each image's digest before it is replaced. */
  registry: RegistryClient;
  /** Reads images for verification and the package inventory. */
  images: ImageSource;
  scanner: VulnerabilityScanner | null;
  /** Registries spoken to over plain http (for the scanner). */
  insecure: (host: string) => boolean;
  credentials?: EngineCredentials;
  logger: Logger;
  clock?: () => Date;
  /** Opens a Dockerfile and its context; default localBuildSource (git HEAD, else the folder). */
  openSource?: (target: CampaignTarget) => Promise<BuildSource>;
}

export interface TargetRun {
  target: CampaignTarget;
  pins: Pin[];
  /** Refs of parents whose new digest is not known (dry run): they name the base but have no digest. */
  unpinnedParents: ImageReference[];
  dryRun: boolean;
  signal?: AbortSignal;
}

/**
 * Builds, pushes and rescans one target. Failures become the report's
 * `error` (they never throw), so one broken Dockerfile does not stop its
 * siblings.
 */
export async function runTarget(ports: CampaignPorts, run: TargetRun): Promise<TargetReport> {
  const { target } = run;
  const report = emptyReport(target.dockerfile, target.image, target.tags);
  const log = ports.logger.child({ dockerfile: target.dockerfile, image: target.image });
  let source: BuildSource;
  try {
    source = await (ports.openSource ?? defaultSource)(target);
  } catch (e) {
    return { ...report, error: errorMessage(e) };
  }
  report.notes.push(...source.notes);
  if (run.dryRun) return { ...report, ...dryRunBase(source, run) };
  const engine = ports.engine;
  if (engine === null) return { ...report, error: 'no container engine to build with' };

  if (target.tags[0]) {
    const before = await ports.registry.resolve(target.tags[0]);
    if (before.ok) report.previousDigest = before.value.digest;
    else if (before.kind !== 'missing')
      report.notes.push(`the digest before the rebuild is unknown: ${before.reason}`);
  }
  let built;
  try {
    built = await buildTarget(
      { engine, ...(ports.credentials ? { credentials: ports.credentials } : {}) },
      {
        file: target.dockerfile,
        dockerfile: source.dockerfile,
        dockerfileText: source.dockerfileText,
        context: () => source.context(),
        tags: target.tags,
        buildArgs: target.buildArgs,
        ...(target.target ? { target: target.target } : {}),
        ...(target.platform ? { platform: target.platform } : {}),
        pins: run.pins,
        source: source.source,
        revision: source.revision,
        created: (ports.clock ?? (() => new Date()))(),
        logger: log,
        ...(run.signal ? { signal: run.signal } : {}),
      },
    );
  } catch (e) {
    log.error({ error: errorMessage(e) }, 'build failed');
    return { ...report, error: errorMessage(e) };
  }
  report.digest = built.digest;
  report.baseRef = built.base?.ref ?? null;
  report.baseDigest = built.base?.digest ?? null;
  report.notes.push(...built.skipped.map((s) => `line ${s.line}: ${s.message}`));
  try {
    if (built.digest !== null && target.image !== null) {
      const scan = await rescanImage(
        { images: ports.images, scanner: ports.scanner, insecure: ports.insecure, logger: log },
        {
          image: target.image,
          digest: built.digest,
          base: built.base,
          previousDigest: report.previousDigest,
          ...(target.platform ? { platform: target.platform } : {}),
        },
      );
      report.verified = scan.verification.verified;
      report.reasons = scan.verification.reasons;
      report.packages = scan.packages;
      report.vulnerabilities = summariseVulnerabilities(scan.vulnerabilities);
      report.notes.push(
        ...scan.notes,
        ...(scan.scanError ? [`vulnerability scan failed: ${scan.scanError}`] : []),
      );
    } else if (built.local && built.base) {
      // Not pushed: verify the layers and labels the engine reported before removing it.
      const base = await readImage(
        ports.images,
        `${parseName(built.base.ref)}@${built.base.digest}`,
      );
      const child = {
        rootfs: { diff_ids: built.local.diffIds },
        config: { Labels: built.local.labels },
      };
      const result = verifyBase(child, base.config, built.base.digest);
      report.verified = result.verified;
      report.reasons = result.reasons;
    }
  } catch (e) {
    return {
      ...report,
      error: `built${built.digest ? ' and pushed' : ''}, but not verified: ${errorMessage(e)}`,
    };
  }
  if (report.verified === false) {
    log.error(
      { digest: built.digest, baseDigest: report.baseDigest, reasons: report.reasons },
      'base verification failed',
    );
  }
  return report;
}

/** The repository of a reference: `registry/app:1` -> `registry/app`. */
function parseName(ref: string): string {
  const parsed = parseReference(ref);
  return parsed.ok ? parsed.ref.name : ref;
}

function defaultSource(target: CampaignTarget): Promise<BuildSource> {
  return localBuildSource({ dockerfile: target.dockerfilePath, context: target.contextPath });
}

/** What a dry run can say about the base: the pin it would use, or a parent not built yet. */
function dryRunBase(
  source: BuildSource,
  run: TargetRun,
): Pick<TargetReport, 'baseRef' | 'baseDigest'> {
  const { target } = run;
  const pinned = pinDockerfile(
    source.dockerfileText,
    target.dockerfile,
    run.pins,
    target.buildArgs,
  );
  const base = finalBase(pinned.text, target.dockerfile, {
    buildArgs: target.buildArgs,
    target: target.target,
  });
  const pin = basePin(base, run.pins);
  if (pin) return { baseRef: baseName(pin.ref), baseDigest: pin.digest };
  const parent = basePin(
    base,
    run.unpinnedParents.map((ref) => ({ ref, digest: '' })),
  );
  return parent
    ? { baseRef: baseName(parent.ref), baseDigest: null }
    : { baseRef: null, baseDigest: null };
}
