import { extractDockerfile, type DockerfileReference } from '@restack/dockerfile';
import { refMatches } from '@restack/graph';
import { formatReference, referenceOfReport, type ImageReference } from '@restack/reference';

export interface BumpOptions {
  /** The reference that moved, e.g. `debian:bookworm`. */
  changed: ImageReference;
  /** The digest it now points at. */
  digest: string;
  /** Also add the digest to matching references that have none. */
  pin: boolean;
  buildArgs?: Record<string, string>;
}

/** One in-place change: `text` replaces the characters [start, end). */
export interface Edit {
  start: number;
  end: number;
  text: string;
  line: number;
  /** The reference as it resolves after the change. */
  to: string;
  from: string;
}

export interface BumpResult {
  text: string;
  edits: Edit[];
  /** Matching references restack could not rewrite, with why. */
  skipped: Array<{ line: number; message: string }>;
}

/**
 * Rewrites the digest of every reference that matches `changed`, touching
 * nothing but the digest characters: line endings, comments, escapes, ARG
 * forms and other stages stay byte for byte. A digest that comes from an ARG
 * default is changed in that default.
 */
export function bumpDockerfile(text: string, file: string, options: BumpOptions): BumpResult {
  const extract = extractDockerfile(text, { file, buildArgs: options.buildArgs ?? {} });
  const edits = new Map<number, Edit>();
  const skipped: BumpResult['skipped'] = [];
  for (const r of extract.references) {
    const dep = referenceOfReport(r.ref);
    if (!dep || !refMatches(options.changed, dep) || dep.digest === options.digest) continue;
    const to = formatReference({ ...dep, digest: options.digest });
    const from = formatReference(dep);
    if (dep.digest !== null) {
      const at = findDigest(text, r, dep.digest);
      if (at === null) {
        skipped.push({
          line: r.line,
          message: `the digest of ${from} comes from a build argument restack cannot edit`,
        });
        continue;
      }
      edits.set(at, {
        start: at,
        end: at + dep.digest.length,
        text: options.digest,
        line: r.line,
        from,
        to,
      });
    } else if (options.pin) {
      const at = pinPosition(text, r);
      edits.set(at, { start: at, end: at, text: `@${options.digest}`, line: r.line, from, to });
    }
  }
  const ordered = [...edits.values()].sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of ordered) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { text: out, edits: ordered.reverse(), skipped };
}

/** Where the old digest is written: in the instruction itself, else in an ARG default. */
function findDigest(text: string, r: DockerfileReference, digest: string): number | null {
  const inRaw = text.indexOf(digest, r.range.start);
  if (inRaw !== -1 && inRaw + digest.length <= r.range.end) return inRaw;
  for (const arg of r.args) {
    const i = text.indexOf(digest, arg.range.start);
    if (i !== -1 && i + digest.length <= arg.range.end) return i;
  }
  return null;
}

/**
 * Where to add a digest: at the end of the ARG default when the whole image
 * comes from one ARG (`FROM ${BASE}`), else right after the image text.
 */
function pinPosition(text: string, r: DockerfileReference): number {
  const whole = /^\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$/.test(r.raw);
  const arg = r.args.at(-1);
  if (whole && arg && r.args.length === 1) {
    const value = text.slice(arg.range.start, arg.range.end);
    const quote = value[0];
    const quoted = (quote === '"' || quote === "'") && value.length > 1 && value.endsWith(quote);
    return quoted ? arg.range.end - 1 : arg.range.end;
  }
  return r.range.end;
}
