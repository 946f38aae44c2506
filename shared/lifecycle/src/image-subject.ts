import { buildTime } from './age.js';
import { baseDrift } from './drift.js';
import type { BaseHistory, FirstSeenSource, ImageInspector } from './facts.js';
import type { ScanSummary } from './schema.js';
import type { ImageSubject } from './subject.js';

export interface ImageSubjectPorts {
  inspector: ImageInspector;
  /** The watcher's sightings; absent in a one-shot run. */
  firstSeen?: FirstSeenSource;
  /** Base tag history; absent: drift is unknown. */
  bases?: BaseHistory;
  /** The latest scan of a digest, when scans exist. */
  scans?: (digest: string) => Promise<ScanSummary | null>;
}

export interface ImageSubjectOptions {
  repository?: string | null;
  dockerfile?: { file: string; line: number } | null;
}

const ONE_SHOT = 'first-seen is not available in a one-shot run (the lifecycle service records it)';

/** Looks an image up and works out its age and base drift at `now`. */
export async function imageSubject(
  reference: string,
  ports: ImageSubjectPorts,
  now: Date,
  options: ImageSubjectOptions = {},
): Promise<ImageSubject> {
  const base = {
    kind: 'image' as const,
    repository: options.repository ?? null,
    dockerfile: options.dockerfile ?? null,
  };
  const found = await ports.inspector.inspect(reference);
  if (!found.ok) {
    return {
      ...base,
      reference,
      facts: null,
      failure: found.reason,
      build: null,
      drift: null,
      scan: null,
    };
  }
  const facts = found.facts;
  const firstSeen = ports.firstSeen
    ? await ports.firstSeen.firstSeen(facts.reference, facts.digest)
    : null;
  const build = buildTime(
    {
      created: facts.created,
      firstSeen,
      ...(ports.firstSeen ? {} : { firstSeenNote: ONE_SHOT }),
      pushed: facts.pushedAt ? new Date(facts.pushedAt) : null,
      ...(facts.pushedNote ? { pushedNote: facts.pushedNote } : {}),
    },
    now,
  );
  const drift = ports.bases ? await baseDrift(facts, ports.bases, now) : null;
  const scan = ports.scans ? await ports.scans(facts.digest) : null;
  return { ...base, reference: facts.reference, facts, failure: null, build, drift, scan };
}
