import { formatReference, parseReference, type ImageReference } from '@restack/reference';
import type { RegistryClient } from './client.js';
import type { ResolveOptions } from './reads.js';
import { lookupText } from './target.js';

/** One line of `restack digests --json`. */
export interface DigestReport {
  /** The normalised reference looked up, e.g. `docker.io/library/debian:12`. */
  ref: string;
  /** Every input that named this reference. */
  inputs: string[];
  /** `missing`: the registry says the tag does not exist. `failed`: we could not find out. */
  status: 'ok' | 'missing' | 'failed';
  digest: string | null;
  mediaType: string | null;
  platforms: Record<string, string> | null;
  /** A sentence naming registry and reference when status is not ok. */
  error: string | null;
}

interface Unique {
  ref: ImageReference | null;
  inputs: string[];
  error: string | null;
}

/**
 * Looks up each unique reference once, however often it is named
 * (ARCHITECTURE.md invariant 2): `debian`, `debian:latest` and
 * `docker.io/library/debian:latest` are one lookup. A reference with a tag is
 * looked up by tag, so `debian:12` and `debian:12@sha256:...` are one too.
 * Results come in the order each reference was first named.
 */
export async function resolveDigests(
  refs: ReadonlyArray<ImageReference | string>,
  client: RegistryClient,
  options: ResolveOptions = {},
): Promise<DigestReport[]> {
  const unique = new Map<string, Unique>();
  for (const input of refs) {
    const text = typeof input === 'string' ? input : formatReference(input);
    const parsed =
      typeof input === 'string' ? parseReference(input) : { ok: true as const, ref: input };
    const key = parsed.ok ? lookupText(parsed.ref) : `invalid:${text}`;
    const entry = unique.get(key);
    if (entry) {
      if (!entry.inputs.includes(text)) entry.inputs.push(text);
      continue;
    }
    unique.set(key, {
      ref: parsed.ok ? parsed.ref : null,
      inputs: [text],
      error: parsed.ok ? null : `"${text}" is not an image reference: ${parsed.error}`,
    });
  }
  // Lookups run together; each registry's limiter keeps them polite.
  return Promise.all(
    [...unique.entries()].map(async ([key, u]): Promise<DigestReport> => {
      if (u.ref === null) return report(u.inputs[0] ?? key, u.inputs, 'failed', null, u.error);
      const r = await client.resolve(u.ref, options);
      if (!r.ok) {
        return report(key, u.inputs, r.kind === 'missing' ? 'missing' : 'failed', null, r.reason);
      }
      return report(key, u.inputs, 'ok', r.value, null);
    }),
  );
}

type Found = Pick<DigestReport, 'digest' | 'mediaType' | 'platforms'>;

function report(
  ref: string,
  inputs: string[],
  status: DigestReport['status'],
  found: Found | null,
  error: string | null,
): DigestReport {
  return {
    ref,
    inputs,
    status,
    digest: found?.digest ?? null,
    mediaType: found?.mediaType ?? null,
    platforms: found?.platforms ?? null,
    error,
  };
}
