import type { RefState } from './schema.js';

export type DetectedBy = 'poll' | 'webhook';

/** What one lookup found: a digest (with platforms when they were needed), missing, or a failure. */
export type Observation =
  | {
      status: 'found';
      digest: string;
      mediaType: string | null;
      /** Undefined when the digest is the known one and its platforms were not fetched. */
      platforms?: Record<string, string> | null;
    }
  | { status: 'missing'; reason: string }
  | { status: 'failed'; kind: string; reason: string };

export type Fact =
  | {
      type: 'restack.digest.changed';
      data: {
        ref: string;
        previousDigest: string;
        digest: string;
        platforms: string[];
        detectedBy: DetectedBy;
        firstSeenAt: string;
      };
    }
  | {
      type: 'restack.tag.missing';
      data: { ref: string; previousDigest: string; detectedBy: DetectedBy };
    };

export interface Decision {
  next: RefState;
  facts: Fact[];
}

export interface DecideInput {
  ref: string;
  state: RefState | null;
  observation: Observation;
  detectedBy: DetectedBy;
  now: Date;
  settleMs: number;
}

function blank(ref: string, at: string): RefState {
  return {
    ref,
    digest: null,
    mediaType: null,
    platforms: null,
    firstSeenAt: null,
    lastCheckedAt: at,
    lastError: null,
    missing: false,
    pending: null,
  };
}

/**
 * The watcher's whole policy, as a pure function of the stored state and
 * one observation: first sight is recorded silently, failures are recorded
 * and never read as changes, a vanished tag is reported once, and within
 * the settle window only the last digest counts.
 */
export function decide(input: DecideInput): Decision {
  const { ref, observation: obs, detectedBy, now, settleMs } = input;
  const at = now.toISOString();
  const state: RefState = { ...(input.state ?? blank(ref, at)), lastCheckedAt: at };

  if (obs.status === 'failed') {
    return { next: { ...state, lastError: { kind: obs.kind, reason: obs.reason, at } }, facts: [] };
  }
  if (obs.status === 'missing') {
    const next = {
      ...state,
      lastError: { kind: 'missing', reason: obs.reason, at },
      pending: null,
    };
    if (state.digest === null || state.missing)
      return { next: { ...next, missing: true }, facts: [] };
    return {
      next: { ...next, missing: true },
      facts: [
        { type: 'restack.tag.missing', data: { ref, previousDigest: state.digest, detectedBy } },
      ],
    };
  }

  const seen = { ...state, lastError: null, missing: false };
  if (state.digest === null) {
    // First sight: there is nothing to compare with, so it is recorded, not announced.
    return {
      next: {
        ...seen,
        digest: obs.digest,
        mediaType: obs.mediaType,
        platforms: obs.platforms ?? null,
        firstSeenAt: at,
      },
      facts: [],
    };
  }
  if (obs.digest === state.digest) return { next: { ...seen, pending: null }, facts: [] };

  const platforms = obs.platforms ?? state.pending?.platforms ?? null;
  const samePending = state.pending?.digest === obs.digest ? state.pending : null;
  if (settleMs > 0) {
    const pending = samePending ?? {
      digest: obs.digest,
      mediaType: obs.mediaType,
      platforms,
      firstSeenAt: at,
      detectedBy,
      settleUntil: new Date(now.getTime() + settleMs).toISOString(),
    };
    if (now.getTime() < Date.parse(pending.settleUntil))
      return { next: { ...seen, pending }, facts: [] };
  }
  const firstSeenAt = samePending?.firstSeenAt ?? at;
  const by = samePending?.detectedBy ?? detectedBy;
  return {
    next: {
      ...seen,
      digest: obs.digest,
      mediaType: obs.mediaType,
      platforms,
      firstSeenAt,
      pending: null,
    },
    facts: [
      {
        type: 'restack.digest.changed',
        data: {
          ref,
          previousDigest: state.digest,
          digest: obs.digest,
          platforms: Object.keys(platforms ?? {}).sort(),
          detectedBy: by,
          firstSeenAt,
        },
      },
    ],
  };
}

/** Whether a lookup that found `digest` needs the index's platforms (a digest not known yet). */
export function needsPlatforms(state: RefState | null, digest: string): boolean {
  if (state?.digest === digest) return false;
  return state?.pending?.digest !== digest;
}
